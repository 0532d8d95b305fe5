"""Complex normalization by 2x2 whitening (Trabelsi et al., Sec. 3.5, Eqs. 11-12): y = gamma V^(-1/2) (x - E[x]) + beta."""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch

from .._extension import serves
from .._layout import as_complex, channel_pairs, complex_to_interleaved, dense, interleaved_to_complex
from .._validation import check_complex


def whitening_matrix(vrr: torch.Tensor, vri: torch.Tensor, vii: torch.Tensor, eps: float):
    """Closed-form inverse square root of [[Vrr + eps, Vri], [Vri, Vii + eps]] as (Wrr, Wri, Wii).

    s = sqrt(det), t = sqrt(trace + 2 s), V^(-1/2) = [[Vii + s, -Vri], [-Vri, Vrr + s]] / (s t), with eps on the
    diagonal. det is computed as max(Vrr Vii - Vri^2, 0) + eps (Vrr + Vii) + eps^2, which is >= eps^2 even for a
    constant channel or one whose imaginary part is exactly proportional to its real part, so the result and its
    gradient stay finite without any data-dependent branch.
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
    return mean, xc, (re * re).mean(rdims, keepdim=True), (re * im).mean(rdims, keepdim=True), (im * im).mean(rdims, keepdim=True)


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
        # separate passes: mkldnn's fused grouped-conv backward was slower than these on this CPU
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
    """Complex batch normalization (Trabelsi et al., Eqs. 11-12) of (N, C, *) input, per channel over N and *.

    running_mean is complex (C,), running_covar real (C, 3) holding [Vrr, Vri, Vii]; both are updated in place in
    training. Conventions follow torch.nn.BatchNorm: the batch is normalized with its biased covariance, the running
    covariance tracks the unbiased estimate, and eps is added to Vrr and Vii wherever V is used (training and eval).
    (The original code instead stores the biased covariance with eps already added.) ``momentum=None`` gives a
    cumulative moving average over ``num_batches_tracked`` (already incremented for this batch).
    weight is real (C, 3) = [gamma_rr, gamma_ri, gamma_ii]; bias is complex (C,).
    """
    check_complex("complex_batch_norm", input)
    if input.dim() < 2:
        raise ValueError(f"complex_batch_norm expects an input of at least 2 dimensions (N, C, ...), got {input.dim()}D")
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
        fused = training and (input.dim() > 2 or serves(input))  # the 1x1-convolution path needs spatial dims
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


def _whiten_rows(input: torch.Tensor, rows: int, per: int, eps: float) -> torch.Tensor:
    """Whitening of each of ``rows`` consecutive runs of ``per`` elements (layer and group norm), through the batch-norm
    kernels: the runs are the channels of a (1, rows, per) batch."""
    x = input.contiguous().reshape(1, rows, per)
    out, _, _ = _WhiteningBatchNorm.apply(x, None, None, eps)
    return out.reshape(input.shape)


def _affine(out: torch.Tensor, weight, bias, shape) -> torch.Tensor:
    if weight is not None:
        grr, gri, gii = (weight[..., k].reshape(shape) for k in range(3))
        out = _mix(out, grr, gri, gri, gii)
    if bias is not None:
        out = out + torch.view_as_real(bias).reshape(list(shape) + [2])
    return out


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


def complex_layer_norm(input: torch.Tensor, normalized_shape: Union[int, Sequence[int]],
                       weight: Optional[torch.Tensor] = None, bias: Optional[torch.Tensor] = None,
                       eps: float = 1e-4) -> torch.Tensor:
    """Complex layer normalization: 2x2 whitening per sample over the last len(normalized_shape) dims (Eq. 11).

    weight is real (*normalized_shape, 3) = [gamma_rr, gamma_ri, gamma_ii] per element, bias complex (*normalized_shape).
    """
    check_complex("complex_layer_norm", input)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise ValueError(f"complex_layer_norm expects input of shape (*, {', '.join(map(str, normalized_shape))}), "
                         f"got {tuple(input.shape)}")
    if input.numel() == 0:
        return input.clone()
    per = math.prod(normalized_shape)
    if per > 1 and serves(input):
        out = _whiten_rows(input, input.numel() // per, per, eps)
        return as_complex(_affine(torch.view_as_real(out), weight, bias, normalized_shape))
    xr = torch.view_as_real(input)
    dims = list(range(-k - 1, -1))
    _, xc, vrr, vri, vii = _stats(xr, dims)
    out = _mix(xc, *_symmetric(whitening_matrix(vrr, vri, vii, eps)))
    return as_complex(_affine(out, weight, bias, normalized_shape))


def complex_group_norm(input: torch.Tensor, num_groups: int, weight: Optional[torch.Tensor] = None,
                       bias: Optional[torch.Tensor] = None, eps: float = 1e-4) -> torch.Tensor:
    """Complex group normalization: 2x2 whitening per sample and group of channels of (N, C, *) input (Eq. 11).

    weight is real (C, 3) = [gamma_rr, gamma_ri, gamma_ii] per channel, bias complex (C,).
    """
    check_complex("complex_group_norm", input)
    if input.dim() < 2:
        raise ValueError(f"complex_group_norm expects an input of at least 2 dimensions (N, C, ...), got {input.dim()}D")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"complex_group_norm expects the channel count ({c}) to be divisible by num_groups ({num_groups})")
    if input.numel() == 0:
        return input.clone()
    shape = [1] * input.dim()
    shape[1] = c
    if input.numel() // (n * num_groups) > 1 and serves(input):
        out = _whiten_rows(input, n * num_groups, input.numel() // (n * num_groups), eps)
        return as_complex(_affine(torch.view_as_real(out), weight, bias, shape))
    xr = torch.view_as_real(input).reshape(n, num_groups, -1, 2)
    _, xc, vrr, vri, vii = _stats(xr, [2])
    out = _mix(xc, *_symmetric(whitening_matrix(vrr, vri, vii, eps))).reshape(torch.view_as_real(input).shape)
    return as_complex(_affine(out, weight, bias, shape))
