// Complex layer and group normalization in one pass each way: 2x2 whitening of each row (a sample's normalized
// elements, or a sample's group of channels) fused with the elementwise affine y = Gamma_k x~ + beta_k
// (Trabelsi et al., 2018, Eqs. 11-12; Ba et al., 2016; Wu and He, 2018).
//
// A row r holds P complex numbers, contiguous as 2P reals. Element p of row r uses the affine parameters of index
//   k = (r % groups) * (P / inner) + p / inner
// so layer norm is groups = 1, inner = 1 (one parameter per element) and group norm is groups = G, inner = H*W (one
// parameter per channel). Rows are independent: the forward reads a row twice (its sums, then y) and the backward twice
// (sums of g and g x^T, then dx), each row from cache; the parameter gradients accumulate per thread in float64.
//
//   row_norm_forward(x (R, P, 2), weight (K, 3)?, bias (K, 2)?, groups, inner, eps) -> (y, sums (R, 6) float64)
//   row_norm_backward(grad, x, weight?, sums, groups, inner, eps) -> (dx, dweight (K, 3)?, dbias (K, 2), float64)
#include "kernels.h"

namespace {

struct RowGeometry {
  int64_t rows, p, groups, inner, segments;  // segments = P / inner: parameters per row
};

RowGeometry row_geometry(const at::Tensor& x, int64_t groups, int64_t inner) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == 2 && x.is_contiguous() && x.device().is_cpu(),
              "deepcomplex row-norm kernel: input must be a contiguous real CPU (R, P, 2) view, got sizes ", x.sizes());
  TORCH_CHECK(groups >= 1 && inner >= 1 && x.size(0) % groups == 0 && x.size(1) % inner == 0 && x.size(1) > 1,
              "deepcomplex row-norm kernel: bad geometry: rows ", x.size(0), ", P ", x.size(1), ", groups ", groups,
              ", inner ", inner);
  return {x.size(0), x.size(1), groups, inner, x.size(1) / inner};
}

template <typename T>
void row_sums(const T* x, int64_t p, double* s) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a5 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3, a5)
  for (int64_t i = 0; i < p; ++i) {
    const double re = x[2 * i], im = x[2 * i + 1];
    a0 += re; a1 += im; a2 += re * re; a3 += re * im; a5 += im * im;
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a3; s[5] = a5;
}

template <typename T>
void forward_impl(const T* x, T* y, double* sums, const double* gamma, const double* beta, const RowGeometry& g,
                  double eps) {
  at::parallel_for(0, g.rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + 2 * r * g.p;
      T* yr = y + 2 * r * g.p;
      double* s = sums + 6 * r;
      row_sums(xr, g.p, s);
      const Whitening w = whiten(s, static_cast<double>(g.p), eps, nullptr, nullptr);
      const T m0 = w.m[0], m1 = w.m[1], m2 = w.m[2], m3 = w.m[3], c0 = w.c[0], c1 = w.c[1];
      const int64_t k0 = (r % g.groups) * g.segments;
      for (int64_t seg = 0; seg < g.segments; ++seg) {
        const int64_t k = k0 + seg;
        // y = Gamma (W x + c) + beta = (Gamma W) x + (Gamma c + beta) on this segment
        T a0 = m0, a1 = m1, a2 = m2, a3 = m3, b0 = c0, b1 = c1;
        if (gamma != nullptr) {
          const double grr = gamma[3 * k], gri = gamma[3 * k + 1], gii = gamma[3 * k + 2];
          a0 = grr * w.m[0] + gri * w.m[2]; a1 = grr * w.m[1] + gri * w.m[3];
          a2 = gri * w.m[0] + gii * w.m[2]; a3 = gri * w.m[1] + gii * w.m[3];
          b0 = grr * w.c[0] + gri * w.c[1]; b1 = gri * w.c[0] + gii * w.c[1];
        }
        if (beta != nullptr) { b0 += beta[2 * k]; b1 += beta[2 * k + 1]; }
        const T* __restrict xs = xr + 2 * seg * g.inner;
        T* __restrict ys = yr + 2 * seg * g.inner;
        for (int64_t i = 0; i < 2 * g.inner; i += 2) {
          const T re = xs[i], im = xs[i + 1];
          ys[i] = a0 * re + a1 * im + b0;
          ys[i + 1] = a2 * re + a3 * im + b1;
        }
      }
    }
  });
}

template <typename T>
void backward_impl(const T* gy, const T* x, T* gx, const double* sums, const double* gamma, double* gparams,
                   const RowGeometry& g, int64_t k_total, double eps) {
  // gparams: per thread, K x 5 float64: d gamma (rr, ri, ii) and d beta (re, im)
  at::parallel_for(0, g.rows, 1, [&](int64_t begin, int64_t end) {
    double* mine = gparams + at::get_thread_num() * 5 * k_total;
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + 2 * r * g.p;
      const T* gr = gy + 2 * r * g.p;
      T* dr = gx + 2 * r * g.p;
      const Whitening w = whiten(sums + 6 * r, static_cast<double>(g.p), eps, nullptr, nullptr);
      const double m0 = w.m[0], m1 = w.m[1], m2 = w.m[2], m3 = w.m[3], c0 = w.c[0], c1 = w.c[1];
      const int64_t k0 = (r % g.groups) * g.segments;
      // pass 1: h = Gamma^T dy (the gradient at the whitened x~), its sums with x; parameter gradients
      double gs[2] = {0, 0}, gxx[4] = {0, 0, 0, 0};
      for (int64_t seg = 0; seg < g.segments; ++seg) {
        const int64_t k = k0 + seg;
        double grr = 1, gri = 0, gii = 1;
        if (gamma != nullptr) { grr = gamma[3 * k]; gri = gamma[3 * k + 1]; gii = gamma[3 * k + 2]; }
        double p0 = 0, p1 = 0, p2 = 0, b0 = 0, b1 = 0, s0 = 0, s1 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        const int64_t o = 2 * seg * g.inner;
#pragma omp simd reduction(+ : p0, p1, p2, b0, b1, s0, s1, q0, q1, q2, q3)
        for (int64_t i = 0; i < 2 * g.inner; i += 2) {
          const double re = xr[o + i], im = xr[o + i + 1], dyr = gr[o + i], dyi = gr[o + i + 1];
          const double hr = m0 * re + m1 * im + c0, hi = m2 * re + m3 * im + c1;  // x~
          p0 += dyr * hr; p1 += dyr * hi + dyi * hr; p2 += dyi * hi; b0 += dyr; b1 += dyi;
          const double tr = grr * dyr + gri * dyi, ti = gri * dyr + gii * dyi;  // Gamma dy (Gamma symmetric)
          s0 += tr; s1 += ti;
          q0 += tr * re; q1 += tr * im; q2 += ti * re; q3 += ti * im;
        }
        double* acc = mine + 5 * k;
        acc[0] += p0; acc[1] += p1; acc[2] += p2; acc[3] += b0; acc[4] += b1;
        gs[0] += s0; gs[1] += s1; gxx[0] += q0; gxx[1] += q1; gxx[2] += q2; gxx[3] += q3;
      }
      const WhiteningGrad d = whiten_grad(w, gs, gxx, static_cast<double>(g.p));
      // pass 2: dx = W h + 2 D x + dmu / P (W symmetric: W^T = W)
      const double e0 = 2 * d.D[0], e1 = 2 * d.D[1], e2 = 2 * d.D[2];
      const double u0 = d.mu[0] / g.p, u1 = d.mu[1] / g.p;
      for (int64_t seg = 0; seg < g.segments; ++seg) {
        const int64_t k = k0 + seg;
        double grr = 1, gri = 0, gii = 1;
        if (gamma != nullptr) { grr = gamma[3 * k]; gri = gamma[3 * k + 1]; gii = gamma[3 * k + 2]; }
        // fold Gamma into the coefficients: dx = (W Gamma) dy + 2 D x + u
        const T a0 = m0 * grr + m1 * gri, a1 = m0 * gri + m1 * gii, a2 = m2 * grr + m3 * gri, a3 = m2 * gri + m3 * gii;
        const T f0 = e0, f1 = e1, f2 = e2, v0 = u0, v1 = u1;
        const int64_t o = 2 * seg * g.inner;
        const T* __restrict xs = xr + o;
        const T* __restrict gs_ = gr + o;
        T* __restrict ds = dr + o;
        for (int64_t i = 0; i < 2 * g.inner; i += 2) {
          const T re = xs[i], im = xs[i + 1], dyr = gs_[i], dyi = gs_[i + 1];
          ds[i] = a0 * dyr + a1 * dyi + f0 * re + f1 * im + v0;
          ds[i + 1] = a2 * dyr + a3 * dyi + f1 * re + f2 * im + v1;
        }
      }
    }
  });
}

// Layer norm (one parameter per element: groups = inner = 1): the parameters as planar arrays, so that each row is
// one vectorized sweep per pass with no per-element gather.
template <typename T>
struct PlanarParams {
  std::vector<T> grr, gri, gii, br, bi;
  PlanarParams(const double* gamma, const double* beta, int64_t k)
      : grr(k, T(1)), gri(k, T(0)), gii(k, T(1)), br(k, T(0)), bi(k, T(0)) {
    for (int64_t i = 0; gamma != nullptr && i < k; ++i) {
      grr[i] = gamma[3 * i]; gri[i] = gamma[3 * i + 1]; gii[i] = gamma[3 * i + 2];
    }
    for (int64_t i = 0; beta != nullptr && i < k; ++i) { br[i] = beta[2 * i]; bi[i] = beta[2 * i + 1]; }
  }
};

template <typename T>
void layer_forward_impl(const T* x, T* y, double* sums, const double* gamma, const double* beta, const RowGeometry& g,
                        double eps) {
  const PlanarParams<T> k(gamma, beta, g.p);
  const T *G0 = k.grr.data(), *G1 = k.gri.data(), *G2 = k.gii.data(), *B0 = k.br.data(), *B1 = k.bi.data();
  at::parallel_for(0, g.rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* __restrict xr = x + 2 * r * g.p;
      T* __restrict yr = y + 2 * r * g.p;
      double* s = sums + 6 * r;
      row_sums(xr, g.p, s);
      const Whitening w = whiten(s, static_cast<double>(g.p), eps, nullptr, nullptr);
      const T m0 = w.m[0], m1 = w.m[1], m2 = w.m[2], m3 = w.m[3], c0 = w.c[0], c1 = w.c[1];
#pragma omp simd
      for (int64_t i = 0; i < g.p; ++i) {
        const T re = xr[2 * i], im = xr[2 * i + 1];
        const T hr = m0 * re + m1 * im + c0, hi = m2 * re + m3 * im + c1;
        yr[2 * i] = G0[i] * hr + G1[i] * hi + B0[i];
        yr[2 * i + 1] = G1[i] * hr + G2[i] * hi + B1[i];
      }
    }
  });
}

constexpr int64_t kBlockRows = 32;

template <typename T>
void layer_backward_impl(const T* gy, const T* x, T* gx, const double* sums, const double* gamma, double* gparams,
                         const RowGeometry& g, double eps) {
  // gparams: per thread, 5 planar float64 arrays of P: d gamma (rr, ri, ii), d beta (re, im)
  const PlanarParams<T> k(gamma, nullptr, g.p);
  const T *G0 = k.grr.data(), *G1 = k.gri.data(), *G2 = k.gii.data();
  const int64_t P = g.p;
  at::parallel_for(0, g.rows, 1, [&](int64_t begin, int64_t end) {
    // parameter gradients summed in T over blocks of kBlockRows rows (a vectorized sweep), then added in float64
    std::vector<T> block(static_cast<size_t>(5 * P), T(0));
    T* __restrict A0 = block.data();
    T* __restrict A1 = A0 + P;
    T* __restrict A2 = A1 + P;
    T* __restrict A3 = A2 + P;
    T* __restrict A4 = A3 + P;
    double* total = gparams + at::get_thread_num() * 5 * P;
    auto flush = [&] {
      for (int64_t i = 0; i < 5 * P; ++i) { total[i] += block[i]; block[i] = T(0); }
    };
    for (int64_t r = begin; r < end; ++r) {
      if ((r - begin) % kBlockRows == 0 && r > begin) flush();
      const T* __restrict xr = x + 2 * r * P;
      const T* __restrict gr = gy + 2 * r * P;
      T* __restrict dr = gx + 2 * r * P;
      const Whitening w = whiten(sums + 6 * r, static_cast<double>(P), eps, nullptr, nullptr);
      const T m0 = w.m[0], m1 = w.m[1], m2 = w.m[2], m3 = w.m[3], c0 = w.c[0], c1 = w.c[1];
      double s0 = 0, s1 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
#pragma omp simd reduction(+ : s0, s1, q0, q1, q2, q3)
      for (int64_t i = 0; i < P; ++i) {
        const T re = xr[2 * i], im = xr[2 * i + 1], dyr = gr[2 * i], dyi = gr[2 * i + 1];
        const T hr = m0 * re + m1 * im + c0, hi = m2 * re + m3 * im + c1;  // x~
        A0[i] += dyr * hr; A1[i] += dyr * hi + dyi * hr; A2[i] += dyi * hi; A3[i] += dyr; A4[i] += dyi;
        const T tr = G0[i] * dyr + G1[i] * dyi, ti = G1[i] * dyr + G2[i] * dyi;  // Gamma dy
        s0 += tr; s1 += ti;
        q0 += tr * re; q1 += tr * im; q2 += ti * re; q3 += ti * im;
      }
      const double gs[2] = {s0, s1}, gxx[4] = {q0, q1, q2, q3};
      const WhiteningGrad d = whiten_grad(w, gs, gxx, static_cast<double>(P));
      const T e0 = 2 * d.D[0], e1 = 2 * d.D[1], e2 = 2 * d.D[2], u0 = d.mu[0] / P, u1 = d.mu[1] / P;
#pragma omp simd
      for (int64_t i = 0; i < P; ++i) {
        const T re = xr[2 * i], im = xr[2 * i + 1], dyr = gr[2 * i], dyi = gr[2 * i + 1];
        const T tr = G0[i] * dyr + G1[i] * dyi, ti = G1[i] * dyr + G2[i] * dyi;
        dr[2 * i] = m0 * tr + m1 * ti + e0 * re + e1 * im + u0;
        dr[2 * i + 1] = m2 * tr + m3 * ti + e1 * re + e2 * im + u1;
      }
    }
    flush();
  });
}

std::tuple<at::Tensor, at::Tensor> row_norm_forward(const at::Tensor& x, const std::optional<at::Tensor>& weight,
                                                    const std::optional<at::Tensor>& bias, int64_t groups,
                                                    int64_t inner, double eps) {
  const RowGeometry g = row_geometry(x, groups, inner);
  const int64_t k = groups * g.segments;
  at::Tensor gamma = optional_coefficients(weight, k, 3, "weight"), beta = optional_coefficients(bias, k, 2, "bias");
  at::Tensor y = at::empty_like(x);
  at::Tensor sums = at::empty({g.rows, 6}, x.options().dtype(at::kDouble));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "row_norm_forward", [&] {
    if (groups == 1 && inner == 1) {
      layer_forward_impl<scalar_t>(x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), sums.data_ptr<double>(),
                                   gamma.defined() ? gamma.data_ptr<double>() : nullptr,
                                   beta.defined() ? beta.data_ptr<double>() : nullptr, g, eps);
      return;
    }
    forward_impl<scalar_t>(x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), sums.data_ptr<double>(),
                           gamma.defined() ? gamma.data_ptr<double>() : nullptr,
                           beta.defined() ? beta.data_ptr<double>() : nullptr, g, eps);
  });
  return {y, sums};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> row_norm_backward(const at::Tensor& grad, const at::Tensor& x,
                                                                 const std::optional<at::Tensor>& weight,
                                                                 const at::Tensor& sums, int64_t groups, int64_t inner,
                                                                 double eps) {
  const RowGeometry g = row_geometry(x, groups, inner);
  TORCH_CHECK(grad.sizes() == x.sizes() && grad.is_contiguous() && grad.scalar_type() == x.scalar_type(),
              "deepcomplex row-norm kernel: grad must be contiguous with the input's sizes and dtype");
  TORCH_CHECK(sums.dim() == 2 && sums.size(0) == g.rows && sums.size(1) == 6 && sums.scalar_type() == at::kDouble,
              "deepcomplex row-norm kernel: sums must be (R, 6) float64");
  const int64_t k = groups * g.segments;
  at::Tensor gamma = optional_coefficients(weight, k, 3, "weight");
  at::Tensor s = sums.contiguous();
  at::Tensor gx = at::empty_like(x);
  const int64_t threads = at::get_num_threads();
  const bool layer = groups == 1 && inner == 1;
  // per-thread parameter gradients: (threads, 5, K) planar for layer norm, (threads, K, 5) otherwise
  at::Tensor acc = at::zeros(layer ? at::IntArrayRef{threads, 5, k} : at::IntArrayRef{threads, k, 5},
                             x.options().dtype(at::kDouble));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "row_norm_backward", [&] {
    if (layer) {
      layer_backward_impl<scalar_t>(grad.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>(),
                                    s.data_ptr<double>(), gamma.defined() ? gamma.data_ptr<double>() : nullptr,
                                    acc.data_ptr<double>(), g, eps);
      return;
    }
    backward_impl<scalar_t>(grad.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>(),
                            s.data_ptr<double>(), gamma.defined() ? gamma.data_ptr<double>() : nullptr,
                            acc.data_ptr<double>(), g, k, eps);
  });
  at::Tensor total = layer ? acc.sum(0).t() : acc.sum(0);  // (K, 5)
  at::Tensor gweight = gamma.defined() ? total.slice(1, 0, 3).contiguous() : at::Tensor();
  return {gx, gweight, total.slice(1, 3, 5).contiguous()};
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(deepcomplex, m) {
  m.def("row_norm_forward(Tensor x, Tensor? weight, Tensor? bias, int groups, int inner, float eps) -> (Tensor, Tensor)",
        row_norm_forward);
  m.def("row_norm_backward(Tensor grad, Tensor x, Tensor? weight, Tensor sums, int groups, int inner, float eps) -> "
        "(Tensor, Tensor, Tensor)", row_norm_backward);
}
