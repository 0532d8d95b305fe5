"""Complex normalization by 2x2 whitening: y = gamma V^(-1/2) (x - E[x]) + beta.

(Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.5, Eqs. 11-12.)
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from .._extension import serves
from .._layout import as_complex, channel_pairs, complex_to_interleaved, dense, interleaved_to_complex
from .._validation import check_complex


def whitening_matrix(vrr: torch.Tensor, vri: torch.Tensor, vii: torch.Tensor, eps: float):
    r"""Compute the closed-form inverse square root of the 2x2 covariance :math:`V + \epsilon I` of a complex variable.

    For :math:`V = [[V_{rr}, V_{ri}], [V_{ri}, V_{ii}]]` (the whitening of Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR, Eq. 11), with :math:`\epsilon` added to the diagonal:

    .. math::
        s = \sqrt{\det V}, \quad t = \sqrt{\operatorname{tr} V + 2 s}, \quad
        V^{-1/2} = \frac{1}{s t} \begin{bmatrix} V_{ii} + s & -V_{ri} \\ -V_{ri} & V_{rr} + s \end{bmatrix}

    :math:`\det V` is computed as :math:`\max(V_{rr} V_{ii} - V_{ri}^2, 0) + \epsilon (V_{rr} + V_{ii}) +
    \epsilon^2`, which is :math:`\ge \epsilon^2` even for a constant channel or one whose imaginary part is exactly
    proportional to its real part, so the result and its gradient stay finite without any data-dependent branch.

    Args:
        vrr (Tensor): real variances :math:`V_{rr} = \operatorname{Var}(\operatorname{Re} x)`.
        vri (Tensor): real covariances :math:`V_{ri} = \operatorname{Cov}(\operatorname{Re} x, \operatorname{Im} x)`.
        vii (Tensor): real variances :math:`V_{ii} = \operatorname{Var}(\operatorname{Im} x)`.
        eps (float): added to :math:`V_{rr}` and :math:`V_{ii}` (use 0 for the exact inverse square root).

    Shape:
        - vrr, vri, vii: real tensors of broadcastable shapes :math:`(*)`, e.g. :math:`(C)` for per-channel
          statistics.
        - Output: a tuple :math:`(W_{rr}, W_{ri}, W_{ii})` of real tensors of the broadcast shape :math:`(*)`, the
          entries of the symmetric matrix :math:`W = (V + \epsilon I)^{-1/2}`.

    Example::

        >>> wrr, wri, wii = F.whitening_matrix(torch.tensor(4.0), torch.tensor(0.0), torch.tensor(1.0), 0.0)
        >>> wrr, wii
        (tensor(0.5000), tensor(1.))
        >>> [w.shape for w in F.whitening_matrix(torch.ones(3), torch.zeros(3), torch.ones(3), 1e-4)]
        [torch.Size([3]), torch.Size([3]), torch.Size([3])]
    """
    det = torch.clamp(vrr * vii - vri * vri, min=0) + eps * (vrr + vii) + eps * eps
    vrr, vii = vrr + eps, vii + eps
    s = det.sqrt()
    t = (vrr + vii + 2 * s).sqrt()
    inv = 1.0 / (s * t)
    return (vii + s) * inv, -vri * inv, (vrr + s) * inv


def _symmetric(w):
    """(Wrr, Wri, Wii) of a symmetric 2x2 matrix as the (m_rr, m_ri, m_ir, m_ii) that _mix takes."""
    return w[0], w[1], w[1], w[2]


def _mix(xr: torch.Tensor, mrr, mri, mir, mii) -> torch.Tensor:
    """[y_r, y_i] = [[mrr, mri], [mir, mii]] [x_r, x_i] on a real view (..., 2); m* broadcast against xr[..., 0].

    Written as two elementwise products (with [x_r, x_i] and its flip [x_i, x_r]) so the output keeps the memory
    layout of ``xr`` and no (..., 2, 2) intermediate is formed.
    """
    return xr * torch.stack([mrr, mii], -1) + xr.flip(-1) * torch.stack([mri, mir], -1)


def _stats(xr: torch.Tensor, dims: Sequence[int]):
    """Mean (..., 2) and biased covariance entries (Vrr, Vri, Vii) of a real view over ``dims``, all keepdim."""
    mean = xr.mean(dim=dims, keepdim=True)
    xc = xr - mean
    re, im = xc[..., 0], xc[..., 1]
    rdims = [d if d >= 0 else d + 1 for d in dims]  # same dims on the (...,) view without the trailing 2
    return (mean, xc, (re * re).mean(rdims, keepdim=True), (re * im).mean(rdims, keepdim=True),
            (im * im).mean(rdims, keepdim=True))


def _gamma_times(w, weight, shape):
    """gamma W for gamma = [[g_rr, g_ri], [g_ri, g_ii]] given as weight (..., 3), reshaped to ``shape``."""
    wrr, wri, wii = w
    grr, gri, gii = (weight[..., k].reshape(shape) for k in range(3))
    return grr * wrr + gri * wri, grr * wri + gri * wii, gri * wrr + gii * wri, gri * wri + gii * wii


def _mixing_kernel(weight, mean, raw, count: int, eps: float, bias):
    """Per-channel affine map y = M x + c equivalent to y = gamma W (x - mu) + beta, from raw moments.

    mean is (2C,) interleaved [mu_r, mu_i, ...], raw (2C, 2, 1..) holds sum_n x_p x_q per channel. Returns the grouped
    1x1 kernel M (2C, 2, 1..), its bias c (2C,) and the biased covariance entries (Vrr, Vri, Vii), each (C,).
    """
    c2 = mean.shape[0]
    mu = mean.reshape(c2 // 2, 2)
    r = raw.reshape(c2 // 2, 2, 2) / count
    vrr = torch.clamp(r[:, 0, 0] - mu[:, 0] * mu[:, 0], min=0)
    vii = torch.clamp(r[:, 1, 1] - mu[:, 1] * mu[:, 1], min=0)
    vri = 0.5 * (r[:, 0, 1] + r[:, 1, 0]) - mu[:, 0] * mu[:, 1]
    w = whitening_matrix(vrr, vri, vii, eps)
    m = _gamma_times(w, weight, (-1,)) if weight is not None else _symmetric(w)
    mat = torch.stack(m, -1).reshape(-1, 2, 2)                      # [[m_rr, m_ri], [m_ir, m_ii]] per channel
    shift = -(mat @ mu.unsqueeze(-1)).squeeze(-1)                   # c = beta - M mu
    if bias is not None:
        shift = shift + torch.view_as_real(bias)
    return mat.reshape(c2, 2, *raw.shape[2:]), shift.reshape(c2), (vrr, vri, vii)


def _grouped_1x1(nd: int):
    return [1] * nd, [0] * nd, [1] * nd, False, [0] * nd


class _WhiteningBatchNorm(torch.autograd.Function):
    """Training-mode complex batch norm with a closed-form backward.

    Forward: per-channel sums of x and x x^T (raw moments), the whitening-plus-affine map y = M x + c from them, and
    its application. Backward: dx = M^T g + (D + D^T) x + d_mu / n, where D and d_mu are the gradients of the raw
    moments and mean obtained by differentiating the small per-channel computation, which needs the sums of g and
    g x^T. On the CPU, with the compiled kernels (deepcomplex._extension), each of these is one pass over memory, as in
    torch's real batch norm; otherwise they run as grouped 1x1 convolutions on the interleaved real view.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps, diagonal=False):
        c = x.shape[1]
        ctx.kernels, ctx.eps, ctx.diagonal = serves(x), eps, diagonal
        if diagonal and not ctx.kernels:
            raise RuntimeError("the diagonal (naive) whitening runs on the compiled kernels only")
        real = x.real.dtype
        if ctx.kernels:
            x = dense(x)
            b = torch.view_as_real(bias) if bias is not None else None
            out, sums, stats = torch.ops.deepcomplex.whiten_forward(channel_pairs(x), weight, b, eps, diagonal)
            out = torch.view_as_complex(out.view(x.shape[:2] + (-1, 2))).view(x.shape)
            ctx.save_for_backward(x, weight, sums)
            mean, cov = stats[:, :2].to(real), stats[:, 2:].to(real)
        else:  # centred first: raw float32 moments would cancel catastrophically when |mean| >> spread
            count = x.numel() // c
            xr = complex_to_interleaved(x)
            nd = xr.dim() - 2
            mean = xr.mean([0] + list(range(2, xr.dim())))
            xc = xr - mean.reshape(1, -1, *[1] * nd)
            probe = xr.new_empty(2 * c, 2, *[1] * nd)
            sc = torch.ops.aten.convolution_backward(xc, xc, probe, None, *_grouped_1x1(nd), c, [False, True, False])[1]
            mat, shift, cov = _mixing_kernel(weight, torch.zeros_like(mean), sc, count, eps, bias)
            out = interleaved_to_complex(torch.convolution(xc, mat, shift, *_grouped_1x1(nd), c))
            ctx.save_for_backward(xc, weight, bias, sc)
            ctx.count = count
            mean, cov = mean.reshape(-1, 2), torch.stack(cov, -1)
        ctx.mark_non_differentiable(mean, cov)
        return out, mean, cov

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out, _grad_mean, _grad_cov):
        if ctx.kernels:
            x, weight, sums = ctx.saved_tensors
            g = grad_out if grad_out.stride() == x.stride() else torch.empty_like(x).copy_(grad_out)
            gx, gweight, gbias = torch.ops.deepcomplex.whiten_backward(channel_pairs(g), channel_pairs(x), weight, sums,
                                                                       ctx.eps, ctx.diagonal)
            gx = torch.view_as_complex(gx.view(x.shape[:2] + (-1, 2))).view(x.shape)
            real = x.real.dtype
            gweight = gweight.to(real) if ctx.needs_input_grad[1] else None
            gbias = torch.view_as_complex(gbias.to(real)) if ctx.needs_input_grad[2] else None
            return gx, gweight, gbias, None, None
        return _WhiteningBatchNorm._backward_convolutions(ctx, grad_out) + (None,)

    @staticmethod
    def _backward_convolutions(ctx, grad_out):
        # y = M xc + beta with xc = x - mean: dx = M^T g + (D + D^T) xc - M^T sum(g) / n, D = dL/d(sum xc xc^T)
        xc, weight, bias, sc = ctx.saved_tensors
        c, nd = xc.shape[1] // 2, xc.dim() - 2
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_() if t is not None else None for t in (weight, bias, sc)]
            zero = sc.new_zeros(2 * c)
            mat, shift, _ = _mixing_kernel(leaves[0], zero, leaves[2], ctx.count, ctx.eps, leaves[1])
        g = complex_to_interleaved(grad_out)
        # separate passes rather than mkldnn's fused grouped-conv backward, the slower of the two on CPU
        gmat = torch.ops.aten.convolution_backward(g, xc, mat.detach(), None, *_grouped_1x1(nd), c,
                                                   [False, True, False])[1]
        gshift = g.sum([0] + list(range(2, g.dim())))
        wanted = [t for t in leaves if t is not None]
        grads = torch.autograd.grad((mat, shift), wanted, (gmat, gshift), allow_unused=True)
        by_leaf = dict(zip(map(id, wanted), grads))
        gweight, gbias, gsc = (by_leaf.get(id(t)) if t is not None else None for t in leaves)
        shape = mat.shape
        mat_t = mat.detach().reshape(c, 2, 2).transpose(1, 2)
        d = gsc.reshape(c, 2, 2)
        sym = (d + d.transpose(1, 2)).reshape(shape)
        centre = -(mat_t @ gshift.reshape(c, 2, 1)).reshape(2 * c) / ctx.count
        gx = torch.convolution(g, mat_t.reshape(shape), centre, *_grouped_1x1(nd), c)
        gx.add_(torch.convolution(xc, sym, None, *_grouped_1x1(nd), c))
        return interleaved_to_complex(gx), gweight, gbias, None


def update_running_stats_(pairs, count: int, momentum: Optional[float], num_batches_tracked: Optional[torch.Tensor]):
    """torch.nn.BatchNorm's running averages, in place: for each (running mean, batch mean) and then (running
    (co)variance, biased batch (co)variance) pair, running <- (1 - f) running + f batch with the variances unbiased by
    count / (count - 1); f is ``momentum`` or, when it is None, 1 / ``num_batches_tracked`` (this batch counted)."""
    batch_dtype = pairs[0][1].dtype
    factor = momentum if momentum is not None else 1.0 / num_batches_tracked.clamp(min=1).to(batch_dtype)
    unbias = count / max(count - 1, 1)
    with torch.no_grad():
        for k, (running, batch) in enumerate(pairs):
            running.mul_(1 - factor).add_((batch * unbias if k else batch) * factor)


def complex_batch_norm(input: torch.Tensor, running_mean: Optional[torch.Tensor], running_covar: Optional[torch.Tensor],
                       weight: Optional[torch.Tensor] = None, bias: Optional[torch.Tensor] = None,
                       training: bool = False, momentum: Optional[float] = 0.1, eps: float = 1e-4,
                       num_batches_tracked: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Apply complex batch normalization: per-channel 2x2 whitening of [Re, Im] over the batch, then a 2x2 affine map.

    .. math::
        \tilde{x} = (V + \epsilon I)^{-1/2} (x - \operatorname{E}[x]), \qquad y = \gamma \tilde{x} + \beta

    (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eqs. 11-12), where :math:`x` is viewed as the real
    2-vector [Re x, Im x], :math:`V` is its 2x2 covariance per channel (over :math:`N` and the spatial dimensions),
    :math:`\gamma = [[\gamma_{rr}, \gamma_{ri}], [\gamma_{ri}, \gamma_{ii}]]` is symmetric and :math:`\beta` complex.

    Conventions follow ``torch.nn.BatchNorm``: the batch is normalized with its biased covariance, the running
    covariance tracks the unbiased estimate, and ``eps`` is added to :math:`V_{rr}` and :math:`V_{ii}` wherever
    :math:`V` is used (training and eval). (The original code instead stores the biased covariance with eps already
    added.) In training, ``running_mean`` and ``running_covar`` are updated in place as
    :math:`r \leftarrow (1 - \text{momentum}) \, r + \text{momentum} \cdot \text{batch}`; in eval they are used
    instead of the batch statistics (batch statistics are used whenever ``running_mean`` is ``None``).

    Args:
        input (Tensor): complex input with channels along dimension 1.
        running_mean (Tensor or None): complex running mean :math:`(C)`, updated in place in training.
        running_covar (Tensor or None): real running covariance :math:`(C, 3)` holding
            :math:`[V_{rr}, V_{ri}, V_{ii}]`, updated in place in training.
        weight (Tensor, optional): real :math:`(C, 3)` holding :math:`[\gamma_{rr}, \gamma_{ri}, \gamma_{ii}]`;
            ``None`` for no scaling. Default: ``None``.
        bias (Tensor, optional): complex shift :math:`\beta`, :math:`(C)`; ``None`` for none. Default: ``None``.
        training (bool): normalize with the batch statistics and update the running ones. Default: ``False``.
        momentum (float or None): weight of the batch in the running averages; ``None`` gives a cumulative moving
            average over ``num_batches_tracked``. Default: 0.1.
        eps (float): added to the variances :math:`V_{rr}` and :math:`V_{ii}`. Default: 1e-4.
        num_batches_tracked (Tensor, optional): number of batches seen, already incremented for this batch; used
            only when ``momentum`` is ``None``. Default: ``None``.

    Shape:
        - Input: :math:`(N, C, *)`, complex, at least 2 dimensions (more than one value per channel in training).
        - Output: :math:`(N, C, *)`, the same shape as the input.

    Example::

        >>> x = torch.randn(8, 3, 5, 5, dtype=torch.cfloat) * 2 + 1
        >>> running_mean = torch.zeros(3, dtype=torch.cfloat)
        >>> running_covar = torch.tensor([[1.0, 0.0, 1.0]]).repeat(3, 1)
        >>> y = F.complex_batch_norm(x, running_mean, running_covar, training=True)
        >>> y.shape, running_covar.shape
        (torch.Size([8, 3, 5, 5]), torch.Size([3, 3]))
        >>> bool(y.mean((0, 2, 3)).abs().max() < 1e-5)
        True
    """
    check_complex("complex_batch_norm", input)
    if input.dim() < 2:
        raise ValueError(f"complex_batch_norm expects an input of at least 2 dimensions (N, C, ...), got "
                         f"{input.dim()}D")
    channels = input.shape[1]
    for what, t, n in (("running_mean", running_mean, 1), ("running_covar", running_covar, 3), ("weight", weight, 3),
                       ("bias", bias, 1)):
        if t is not None and t.shape[0] != channels:
            raise ValueError(f"complex_batch_norm expects {what} for {channels} channels, got shape {tuple(t.shape)}")
    if input.numel() == 0:
        return input.clone()
    xr = torch.view_as_real(input)
    shape = [1] * input.dim()
    shape[1] = channels  # per-channel stats broadcast against xr[..., 0]
    dims = [0] + list(range(2, input.dim()))
    if training or running_mean is None:
        count = input.numel() // channels
        if training and count == 1:
            raise ValueError(f"complex_batch_norm: expected more than 1 value per channel when training, "
                             f"got input size {tuple(input.shape)}")
        # the 1x1-convolution path needs spatial dims; under torch.compile the traceable formula (dynamo cannot trace
        # the hand-written backward, which differentiates the per-channel map with torch.autograd.grad)
        fused = training and (input.dim() > 2 or serves(input)) and not torch.compiler.is_compiling()
        if fused:
            out, mean, cov = _WhiteningBatchNorm.apply(input, weight, bias, eps)
            vrr, vri, vii = cov.unbind(-1)
        else:
            mean, xc, vrr, vri, vii = _stats(xr, dims)
        if training and running_mean is not None:
            cov = torch.stack([vrr, vri, vii], -1).reshape(channels, 3)
            update_running_stats_(((torch.view_as_real(running_mean), mean.reshape(channels, 2)), (running_covar, cov)),
                                  count, momentum, num_batches_tracked)
        if fused:
            return out
    else:
        xc = xr - torch.view_as_real(running_mean).reshape(shape + [2])
        vrr, vri, vii = (running_covar[:, k].reshape(shape) for k in range(3))
    w = whitening_matrix(vrr, vri, vii, eps)
    m = _gamma_times(w, weight, shape) if weight is not None else _symmetric(w)
    out = _mix(xc, *m)
    if bias is not None:
        out = out + torch.view_as_real(bias).reshape(shape + [2])
    return as_complex(out)


def naive_batch_norm_train(input: torch.Tensor, weight: Optional[torch.Tensor], bias: Optional[torch.Tensor],
                           eps: float):
    """Training-mode naive batch norm (Re and Im standardized independently, then gamma and beta per part) on the
    compiled kernels, with weight and bias (2C,) interleaved [re_0, im_0, ...] as torch.nn.BatchNorm2d over the
    interleaved channels. Returns the output, the batch mean (C, 2) and the biased variances (C, 2)."""
    c = input.shape[1]
    w3 = None
    if weight is not None:
        pairs = weight.reshape(c, 2)
        w3 = torch.stack([pairs[:, 0], torch.zeros_like(pairs[:, 0]), pairs[:, 1]], 1)
    b = torch.view_as_complex(bias.reshape(c, 2)) if bias is not None else None
    out, mean, cov = _WhiteningBatchNorm.apply(input, w3, b, eps, True)
    return out, mean, cov[:, [0, 2]]


def naive_batch_norm(input: torch.Tensor, running_mean: Optional[torch.Tensor], running_var: Optional[torch.Tensor],
                     weight: Optional[torch.Tensor] = None, bias: Optional[torch.Tensor] = None,
                     training: bool = False, momentum: Optional[float] = 0.1, eps: float = 1e-5,
                     num_batches_tracked: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Apply naive complex batch normalization: Re and Im of each channel standardized as two real channels.

    .. math::
        y = \gamma_{re} \frac{\operatorname{Re} x - \operatorname{E}[\operatorname{Re} x]}
            {\sqrt{\operatorname{Var}[\operatorname{Re} x] + \epsilon}} + \beta_{re}
            + i \left(\gamma_{im} \frac{\operatorname{Im} x - \operatorname{E}[\operatorname{Im} x]}
            {\sqrt{\operatorname{Var}[\operatorname{Im} x] + \epsilon}} + \beta_{im}\right)

    The baseline that complex batch normalization by 2x2 whitening replaces (Trabelsi et al., 2018, "Deep Complex
    Networks", ICLR, Sec. 3.5): it does not decorrelate Re and Im. It equals ``torch.nn.functional.batch_norm`` over
    the 2C real channels [re_0, im_0, re_1, im_1, ...] of the input, so every per-channel tensor has shape (2C,) in
    that order. Conventions follow torch: the batch is normalized with its biased variance, the running variance
    tracks the unbiased one, and the running statistics are updated in place in training. Training on the CPU runs
    on the compiled kernels when they are loaded (one pass for statistics and output), else on torch's batch norm.

    Args:
        input (Tensor): complex input, channels along dimension 1.
        running_mean (Tensor, optional): real running means (2C,), or None to always use the batch statistics.
        running_var (Tensor, optional): real running variances (2C,); given exactly when ``running_mean`` is.
        weight (Tensor, optional): real scales [gamma_re_0, gamma_im_0, ...] (2C,). Default: None (no scaling).
        bias (Tensor, optional): real shifts [beta_re_0, beta_im_0, ...] (2C,). Default: None (no shift).
        training (bool): normalize with the batch statistics and update the running ones. Default: False.
        momentum (float, optional): weight of the batch in the running averages; None gives a cumulative average
            over ``num_batches_tracked``, which must then count this batch already. Default: 0.1.
        eps (float): added to the variances. Default: 1e-5.
        num_batches_tracked (Tensor, optional): the module's batch counter, read when ``momentum`` is None.

    Shape:
        - Input: :math:`(N, C, *)` complex.
        - Output: :math:`(N, C, *)`, same dtype.

    Example::

        >>> x = torch.randn(8, 3, 4, 4, dtype=torch.cfloat)
        >>> mean, var = torch.zeros(6), torch.ones(6)
        >>> y = F.naive_batch_norm(x, mean, var, training=True)
        >>> y.real.mean().abs() < 1e-5, mean.abs().sum() > 0
        (tensor(True), tensor(True))
    """
    check_complex("naive_batch_norm", input)
    if input.dim() < 2:
        raise ValueError(f"naive_batch_norm expects an input of at least 2 dimensions (N, C, ...), got {input.dim()}D")
    channels = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (2 * channels,):
            raise ValueError(f"naive_batch_norm expects {what} of shape ({2 * channels},) for {channels} channels, got "
                             f"shape {tuple(t.shape)}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("naive_batch_norm expects running_mean and running_var both given or both None")
    tracking = training and running_mean is not None
    if tracking and momentum is None and num_batches_tracked is None:
        raise ValueError("naive_batch_norm: momentum=None (a cumulative average) needs num_batches_tracked")
    if input.numel() == 0:
        return input.clone()
    if training and input.numel() > channels and serves(input):
        out, mean, var = naive_batch_norm_train(input, weight, bias, eps)
        if tracking:
            update_running_stats_(((running_mean, mean.reshape(-1)), (running_var, var.reshape(-1))),
                                  input.numel() // channels, momentum, num_batches_tracked)
        return out
    # torch.nn.BatchNorm's factor: momentum, or 1 / (batches seen) for the cumulative average
    factor = momentum if momentum is not None else (1.0 / float(num_batches_tracked) if tracking else 0.0)
    out = F.batch_norm(complex_to_interleaved(input), running_mean, running_var, weight, bias,
                       training or running_mean is None, factor, eps)
    return interleaved_to_complex(out)
