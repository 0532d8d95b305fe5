// Shared pieces of deepcomplex's CPU kernels: the (N, C, P, 2) real-view geometry, row cursors, coefficient
// operands, and the per-channel 2x2 whitening (Trabelsi et al., Eqs. 11-12) with its closed-form gradient.
// Everything is in an anonymous namespace: each kernel file gets its own copy (internal linkage).
#pragma once

#include <ATen/Parallel.h>
#include <torch/library.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

namespace {

struct Geometry {
  int64_t n, c, p, sn, sc, sp;
};

Geometry geometry(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.dim() == 4 && t.size(3) == 2 && t.stride(3) == 1, "deepcomplex whitening kernel: ", what,
              " must be a real (N, C, P, 2) view with unit last stride, got sizes ", t.sizes(), " strides ",
              t.strides());
  TORCH_CHECK(t.device().is_cpu(), "deepcomplex whitening kernel: ", what, " must be on the CPU");
  return {t.size(0), t.size(1), t.size(2), t.stride(0), t.stride(1), t.stride(2)};
}

void check_same(const at::Tensor& a, const at::Tensor& b, const char* what) {
  TORCH_CHECK(a.sizes() == b.sizes() && a.strides() == b.strides() && a.scalar_type() == b.scalar_type(),
              "deepcomplex whitening kernel: ", what, " must have the sizes, strides and dtype of the input");
}

// Planar when pairs run contiguously along P within a channel (NCHW); otherwise channels are innermost.
bool planar(const Geometry& g) { return g.sp <= g.sc; }

// Lane-wise helpers on blocks of kLanes numbers (kLanes / 2 complex pairs): fixed-size loops the compiler keeps in
// vector registers. Lane j pairs with lane j ^ 1 (its real or imaginary partner).
constexpr int kLanes = 16;
// Rows of a channels-last tensor swept together, small enough to stay in L1/L2 while each channel block visits them.
constexpr int64_t kRows = 64;

// Offsets of consecutive rows r = n * P + p of a channels-last view, (r / P) * sn + (r % P) * sp, without a division
// per row (one 64-bit division costs about as much as moving a row of 16 channels).
struct RowCursor {
  int64_t p, offset;
  const Geometry& g;
  RowCursor(const Geometry& geo, int64_t r) : p(r % geo.p), offset((r / geo.p) * geo.sn + (r % geo.p) * geo.sp), g(geo) {}
  void next() {
    if (++p == g.p) {
      p = 0;
      offset += g.sn - (g.p - 1) * g.sp;
    } else {
      offset += g.sp;
    }
  }
};

// ---------------------------------------------------------------------------------------------------------------------
// The small per-channel computation and its closed-form gradient, in float64. It mirrors
// deepcomplex.functional.normalization.whitening_matrix / _mixing_kernel exactly (same clamps, same eps placement).

struct Whitening {
  double mr, mi;              // mean
  double rrr, rri, rii;       // raw second moments / n (rri averaged over the two equal cross sums)
  double vrr, vri, vii;       // biased covariance after the clamps
  bool crr, cii, cdet;        // whether each clamp passed its argument through (torch.clamp's gradient mask)
  double a, d, det, s, t, inv;
  double wrr, wri, wii;       // V^(-1/2)
  double grr, gri, gii;       // gamma (identity when there is no weight)
  double eps;
  double m[4];                // M = gamma W, row-major
  double c[2];                // y = M x + c
};

// With ``diagonal`` the cross-covariance is taken as 0: Re and Im are standardized independently (naive batch norm).
Whitening whiten(const double* sums, double n, double eps, const double* gamma, const double* beta,
                 bool diagonal = false) {
  Whitening w{};
  w.eps = eps;
  w.mr = sums[0] / n; w.mi = sums[1] / n;
  w.rrr = sums[2] / n; w.rri = 0.5 * (sums[3] + sums[4]) / n; w.rii = sums[5] / n;
  const double vrr = w.rrr - w.mr * w.mr, vii = w.rii - w.mi * w.mi;
  w.crr = vrr >= 0; w.cii = vii >= 0;
  w.vrr = w.crr ? vrr : 0.0; w.vii = w.cii ? vii : 0.0;
  w.vri = diagonal ? 0.0 : w.rri - w.mr * w.mi;
  const double core = w.vrr * w.vii - w.vri * w.vri;
  w.cdet = core >= 0;
  w.det = (w.cdet ? core : 0.0) + eps * (w.vrr + w.vii) + eps * eps;
  w.a = w.vrr + eps; w.d = w.vii + eps;
  w.s = std::sqrt(w.det);
  w.t = std::sqrt(w.a + w.d + 2 * w.s);
  w.inv = 1.0 / (w.s * w.t);
  w.wrr = (w.d + w.s) * w.inv; w.wri = -w.vri * w.inv; w.wii = (w.a + w.s) * w.inv;
  if (gamma != nullptr) { w.grr = gamma[0]; w.gri = gamma[1]; w.gii = gamma[2]; }
  else { w.grr = 1; w.gri = 0; w.gii = 1; }
  w.m[0] = w.grr * w.wrr + w.gri * w.wri; w.m[1] = w.grr * w.wri + w.gri * w.wii;
  w.m[2] = w.gri * w.wrr + w.gii * w.wri; w.m[3] = w.gri * w.wri + w.gii * w.wii;
  w.c[0] = (beta ? beta[0] : 0.0) - (w.m[0] * w.mr + w.m[1] * w.mi);
  w.c[1] = (beta ? beta[1] : 0.0) - (w.m[2] * w.mr + w.m[3] * w.mi);
  return w;
}

// Given gs = sum g and gxx = sum g x^T (row-major [k][j] = sum g_k x_j), the gradients of the loss with respect to
// gamma (rr, ri, ii), the mean and the raw sums of x x^T (a symmetric 2x2, D). Then dx = M^T g + 2 D x + dmu / n.
struct WhiteningGrad {
  double gamma[3], mu[2], D[3];  // D as (rr, ri, ii)
};

WhiteningGrad whiten_grad(const Whitening& w, const double* gs, const double* gxx, double n, bool diagonal = false) {
  WhiteningGrad out{};
  // y = M x + c, c = beta - M mu: dL/dM = sum g x^T - gs mu^T, dL/dmu = -M^T gs
  const double gm[4] = {gxx[0] - gs[0] * w.mr, gxx[1] - gs[0] * w.mi, gxx[2] - gs[1] * w.mr, gxx[3] - gs[1] * w.mi};
  double gmr = -(w.m[0] * gs[0] + w.m[2] * gs[1]), gmi = -(w.m[1] * gs[0] + w.m[3] * gs[1]);
  // M = Gamma W with Gamma and W symmetric: dL/dGamma = gm W, dL/dW = Gamma gm; off-diagonals count twice
  out.gamma[0] = gm[0] * w.wrr + gm[1] * w.wri;
  out.gamma[1] = gm[0] * w.wri + gm[1] * w.wii + gm[2] * w.wrr + gm[3] * w.wri;
  out.gamma[2] = gm[2] * w.wri + gm[3] * w.wii;
  const double gwrr = w.grr * gm[0] + w.gri * gm[2];
  const double gwri = w.grr * gm[1] + w.gri * gm[3] + w.gri * gm[0] + w.gii * gm[2];
  const double gwii = w.gri * gm[1] + w.gii * gm[3];
  // W = [[d + s, -vri], [-vri, a + s]] * inv, inv = 1 / (s t), t = sqrt(a + d + 2 s), s = sqrt(det)
  double ga = gwii * w.inv, gd = gwrr * w.inv, gs_ = (gwrr + gwii) * w.inv, gvri = -gwri * w.inv;
  const double ginv = gwrr * (w.d + w.s) - gwri * w.vri + gwii * (w.a + w.s);
  gs_ += -ginv * w.inv / w.s;
  const double gt = -ginv * w.inv / w.t;
  ga += gt / (2 * w.t); gd += gt / (2 * w.t); gs_ += gt / w.t;
  const double gdet = gs_ / (2 * w.s);
  double gvrr = ga + gdet * w.eps, gvii = gd + gdet * w.eps;
  if (w.cdet) { gvrr += gdet * w.vii; gvii += gdet * w.vrr; gvri += -2 * w.vri * gdet; }
  if (diagonal) gvri = 0;  // V_ri is the constant 0 then
  // v = clamp(r - mu mu^T) from raw moments r = sums / n
  double grrr = 0, grii = 0;
  if (w.crr) { grrr = gvrr; gmr += -2 * w.mr * gvrr; }
  if (w.cii) { grii = gvii; gmi += -2 * w.mi * gvii; }
  const double grri = 0.5 * gvri;  // d vri / d (sum_ri / n) and d / d (sum_ir / n)
  gmr += -w.mi * gvri; gmi += -w.mr * gvri;
  out.mu[0] = gmr; out.mu[1] = gmi;
  out.D[0] = grrr / n; out.D[1] = grri / n; out.D[2] = grii / n;
  return out;
}

at::Tensor coefficients(const at::Tensor& t, int64_t channels, int64_t per, const char* what) {
  TORCH_CHECK(t.numel() == channels * per, "deepcomplex whitening kernel: ", what, " must hold ", per,
              " numbers per channel for ", channels, " channels, got ", t.numel());
  return t.detach().to(at::kDouble).contiguous();
}

// The same for an optional operand (a layer without weight or bias): undefined when absent.
at::Tensor optional_coefficients(const std::optional<at::Tensor>& t, int64_t channels, int64_t per, const char* what) {
  return t.has_value() && t->defined() ? coefficients(*t, channels, per, what) : at::Tensor();
}

}  // namespace
