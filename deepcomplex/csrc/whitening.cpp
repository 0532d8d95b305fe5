// Single-pass CPU kernels for complex batch normalization by 2x2 whitening (Trabelsi et al., Eqs. 11-12).
//
// Tensors are real views (N, C, P, 2) of complex (N, C, *S) data with any strides whose last one is 1; the two layouts
// that matter are NCHW (pairs of a channel contiguous along P) and channels-last (the C pairs of a pixel contiguous).
// The loop nest puts the contiguous dimension innermost in both. Sums accumulate in double.
//
//   cross_moments(a, b) -> (C, 6) float64: [sum a_r, sum a_i, sum a_r b_r, sum a_r b_i, sum a_i b_r, sum a_i b_i]
//   mix(a, A, b, B, c)  -> y = A a + B b + c per channel, A and B (C, 2, 2) (B may be undefined), c (C, 2);
//                          y has the sizes and strides of a.
// With these, training-mode batch norm reads its input twice and writes once forward, and reads the input and the
// output gradient twice and writes once backward: the same memory traffic as torch's real batch norm.
#include "kernels.h"

namespace {

template <typename T>
inline void accumulate_block(const T* __restrict x, const T* __restrict y, double* __restrict sum,
                             double* __restrict sq, double* __restrict cr) {
  for (int j = 0; j < kLanes; ++j) {
    const double a = x[j];
    sum[j] += a;
    sq[j] += a * static_cast<double>(y[j]);
    cr[j] += a * static_cast<double>(y[j ^ 1]);
  }
}

template <typename T>
inline void mix_block(const T* __restrict x, const T* __restrict u, T* __restrict out, const T* P, const T* Q,
                      const T* R, const T* S, const T* c) {
  if (u == nullptr) {
    for (int j = 0; j < kLanes; ++j) out[j] = P[j] * x[j] + Q[j] * x[j ^ 1] + c[j];
  } else {
    for (int j = 0; j < kLanes; ++j) out[j] = P[j] * x[j] + Q[j] * x[j ^ 1] + R[j] * u[j] + S[j] * u[j ^ 1] + c[j];
  }
}

// Sums of one pair into the (C, 6) order, for tails and generic strides.
template <typename T>
inline void accumulate_pair(const T* x, const T* y, double* o) {
  const double ar = x[0], ai = x[1], br = y[0], bi = y[1];
  o[0] += ar; o[1] += ai; o[2] += ar * br; o[3] += ar * bi; o[4] += ai * br; o[5] += ai * bi;
}

// Lane accumulators (sum, sq, cr) -> (C, 6) entries of the channel whose pair occupies lanes (2k, 2k + 1).
inline void lanes_to_moments(const double* sum, const double* sq, const double* cr, int k, double* o) {
  o[0] += sum[2 * k]; o[1] += sum[2 * k + 1]; o[2] += sq[2 * k]; o[3] += cr[2 * k]; o[4] += cr[2 * k + 1];
  o[5] += sq[2 * k + 1];
}

template <typename T>
void cross_moments_impl(const T* a, const T* b, const Geometry& g, double* out) {
  const int64_t threads = at::get_num_threads();
  std::vector<double> acc(static_cast<size_t>(threads * 6 * g.c), 0.0);
  if (planar(g)) {
    at::parallel_for(0, g.n * g.c, 1, [&](int64_t begin, int64_t end) {
      double* mine = acc.data() + at::get_thread_num() * 6 * g.c;
      for (int64_t q = begin; q < end; ++q) {
        const int64_t ch = q % g.c, base = (q / g.c) * g.sn + ch * g.sc;
        double* o = mine + 6 * ch;
        int64_t p = 0;
        if (g.sp == 2) {  // the channel's plane is one run of 2P numbers: kLanes / 2 pixels at a time
          double sum[kLanes] = {}, sq[kLanes] = {}, cr[kLanes] = {};
          for (; p + kLanes / 2 <= g.p; p += kLanes / 2) accumulate_block(a + base + 2 * p, b + base + 2 * p, sum, sq, cr);
          for (int k = 0; k < kLanes / 2; ++k) lanes_to_moments(sum, sq, cr, k, o);
        }
        for (; p < g.p; ++p) accumulate_pair(a + base + p * g.sp, b + base + p * g.sp, o);
      }
    });
  } else {
    // channels innermost: rows in chunks that stay in cache, each chunk swept once per block of kLanes / 2 channels
    at::parallel_for(0, g.n * g.p, kRows, [&](int64_t begin, int64_t end) {
      double* mine = acc.data() + at::get_thread_num() * 6 * g.c;
      const int64_t blocked = g.sc == 2 ? g.c / (kLanes / 2) * (kLanes / 2) : 0;
      std::vector<double> lanes(static_cast<size_t>(3 * 2 * blocked), 0.0);  // sum, sq, cr in lane order
      for (int64_t r0 = begin; r0 < end; r0 += kRows) {
        const int64_t r1 = std::min(end, r0 + kRows);
        int64_t bases[kRows];
        RowCursor row(g, r0);
        for (int64_t r = r0; r < r1; ++r, row.next()) bases[r - r0] = row.offset;
        for (int64_t ch0 = 0; ch0 < blocked; ch0 += kLanes / 2) {
          double* sum = lanes.data() + 2 * ch0;
          double* sq = sum + 2 * blocked;
          double* cr = sq + 2 * blocked;
          double s1[kLanes], s2[kLanes], s3[kLanes];
          for (int j = 0; j < kLanes; ++j) { s1[j] = sum[j]; s2[j] = sq[j]; s3[j] = cr[j]; }
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t base = bases[r - r0] + 2 * ch0;
            accumulate_block(a + base, b + base, s1, s2, s3);
          }
          for (int j = 0; j < kLanes; ++j) { sum[j] = s1[j]; sq[j] = s2[j]; cr[j] = s3[j]; }
        }
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t base = bases[r - r0];
          for (int64_t ch = blocked; ch < g.c; ++ch)
            accumulate_pair(a + base + ch * g.sc, b + base + ch * g.sc, mine + 6 * ch);
        }
      }
      for (int64_t ch = 0; ch < blocked; ++ch)
        lanes_to_moments(lanes.data(), lanes.data() + 2 * blocked, lanes.data() + 4 * blocked, ch, mine + 6 * ch);
    });
  }
  for (int64_t t = 0; t < threads; ++t)
    for (int64_t i = 0; i < 6 * g.c; ++i) out[i] += acc[t * 6 * g.c + i];
}

// Per-channel coefficients in lane order: P x + Q swap(x) + R u + S swap(u) + c reproduces A x + B u + c per pair.
template <typename T>
struct LaneCoefficients {
  std::vector<T> P, Q, R, S, c;  // 2C each, [channel][re/im]
  LaneCoefficients(const double* A, const double* B, const double* shift, int64_t channels)
      : P(2 * channels), Q(2 * channels), R(2 * channels, 0), S(2 * channels, 0), c(2 * channels) {
    for (int64_t ch = 0; ch < channels; ++ch) {
      P[2 * ch] = A[4 * ch]; Q[2 * ch] = A[4 * ch + 1]; Q[2 * ch + 1] = A[4 * ch + 2]; P[2 * ch + 1] = A[4 * ch + 3];
      if (B != nullptr) {
        R[2 * ch] = B[4 * ch]; S[2 * ch] = B[4 * ch + 1]; S[2 * ch + 1] = B[4 * ch + 2]; R[2 * ch + 1] = B[4 * ch + 3];
      }
      c[2 * ch] = shift[2 * ch]; c[2 * ch + 1] = shift[2 * ch + 1];
    }
  }
};

template <typename T>
inline void mix_pair(const T* x, const T* u, T* out, const LaneCoefficients<T>& k, int64_t ch) {
  const int64_t i = 2 * ch;
  const T xr = x[0], xi = x[1];
  T yr = k.P[i] * xr + k.Q[i] * xi + k.c[i], yi = k.Q[i + 1] * xr + k.P[i + 1] * xi + k.c[i + 1];
  if (u != nullptr) {
    yr += k.R[i] * u[0] + k.S[i] * u[1];
    yi += k.S[i + 1] * u[0] + k.R[i + 1] * u[1];
  }
  out[0] = yr;
  out[1] = yi;
}

template <typename T>
void mix_impl(const T* a, const T* b, T* y, const Geometry& g, const double* A, const double* B, const double* c) {
  const LaneCoefficients<T> k(A, B, c, g.c);
  if (planar(g)) {
    at::parallel_for(0, g.n * g.c, 1, [&](int64_t begin, int64_t end) {
      for (int64_t q = begin; q < end; ++q) {
        const int64_t ch = q % g.c, base = (q / g.c) * g.sn + ch * g.sc;
        int64_t p = 0;
        if (g.sp == 2) {
          T P[kLanes], Q[kLanes], R[kLanes], S[kLanes], C[kLanes];
          for (int j = 0; j < kLanes; ++j) {
            const int64_t i = 2 * ch + (j & 1);
            P[j] = k.P[i]; Q[j] = k.Q[i]; R[j] = k.R[i]; S[j] = k.S[i]; C[j] = k.c[i];
          }
          for (; p + kLanes / 2 <= g.p; p += kLanes / 2)
            mix_block(a + base + 2 * p, b ? b + base + 2 * p : nullptr, y + base + 2 * p, P, Q, R, S, C);
        }
        for (; p < g.p; ++p) {
          const int64_t i = base + p * g.sp;
          mix_pair(a + i, b ? b + i : nullptr, y + i, k, ch);
        }
      }
    });
  } else {
    // channels innermost: one unit-stride sweep over each pixel's C pairs, coefficients read from L1
    const T *P = k.P.data(), *Q = k.Q.data(), *R = k.R.data(), *S = k.S.data(), *C = k.c.data();
    const int64_t sc = g.sc, channels = g.c;
    at::parallel_for(0, g.n * g.p, kRows, [&](int64_t begin, int64_t end) {
      RowCursor row(g, begin);
      for (int64_t r = begin; r < end; ++r, row.next()) {
        const int64_t base = row.offset;
        const T* __restrict x = a + base;
        T* __restrict out = y + base;
        if (b == nullptr) {
          if (sc == 2) {
            for (int64_t i = 0; i < 2 * channels; i += 2) {
              const T xr = x[i], xi = x[i + 1];
              out[i] = P[i] * xr + Q[i] * xi + C[i];
              out[i + 1] = Q[i + 1] * xr + P[i + 1] * xi + C[i + 1];
            }
          } else {
            for (int64_t ch = 0; ch < channels; ++ch) mix_pair<T>(x + ch * sc, nullptr, out + ch * sc, k, ch);
          }
        } else {
          const T* __restrict u = b + base;
          if (sc == 2) {
            for (int64_t i = 0; i < 2 * channels; i += 2) {
              const T xr = x[i], xi = x[i + 1], ur = u[i], ui = u[i + 1];
              out[i] = P[i] * xr + Q[i] * xi + R[i] * ur + S[i] * ui + C[i];
              out[i + 1] = Q[i + 1] * xr + P[i + 1] * xi + S[i + 1] * ur + R[i + 1] * ui + C[i + 1];
            }
          } else {
            for (int64_t ch = 0; ch < channels; ++ch) mix_pair(x + ch * sc, u + ch * sc, out + ch * sc, k, ch);
          }
        }
      }
    });
  }
}

at::Tensor cross_moments(const at::Tensor& a, const at::Tensor& b) {
  const Geometry g = geometry(a, "a");
  check_same(a, b, "b");
  at::Tensor out = at::zeros({g.c, 6}, a.options().dtype(at::kDouble));
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "cross_moments", [&] {
    cross_moments_impl<scalar_t>(a.data_ptr<scalar_t>(), b.data_ptr<scalar_t>(), g, out.data_ptr<double>());
  });
  return out;
}

at::Tensor mix(const at::Tensor& a, const at::Tensor& A, const std::optional<at::Tensor>& b,
               const std::optional<at::Tensor>& B, const at::Tensor& c) {
  const Geometry g = geometry(a, "a");
  const bool two = b.has_value() && b->defined();
  if (two) check_same(a, *b, "b");
  at::Tensor Ad = coefficients(A, g.c, 4, "A"), cd = coefficients(c, g.c, 2, "c");
  at::Tensor Bd = two ? coefficients(*B, g.c, 4, "B") : at::Tensor();
  at::Tensor y = at::empty_strided(a.sizes(), a.strides(), a.options());
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "mix", [&] {
    mix_impl<scalar_t>(a.data_ptr<scalar_t>(), two ? b->data_ptr<scalar_t>() : nullptr, y.data_ptr<scalar_t>(), g,
                       Ad.data_ptr<double>(), two ? Bd.data_ptr<double>() : nullptr, cd.data_ptr<double>());
  });
  return y;
}

// Training-mode batch norm forward on the (N, C, P, 2) view: returns y, the (C, 6) sums of x and x x^T (what the
// backward needs) and the (C, 5) statistics [mu_r, mu_i, V_rr, V_ri, V_ii] (biased covariance) for running averages.
std::tuple<at::Tensor, at::Tensor, at::Tensor> whiten_forward(const at::Tensor& v, const std::optional<at::Tensor>& weight,
                                                              const std::optional<at::Tensor>& bias, double eps,
                                                              bool diagonal) {
  const Geometry g = geometry(v, "input");
  TORCH_CHECK(g.n * g.p > 1, "deepcomplex whitening kernel: needs more than one value per channel");
  at::Tensor sums = cross_moments(v, v);
  at::Tensor gamma = optional_coefficients(weight, g.c, 3, "weight"), beta = optional_coefficients(bias, g.c, 2, "bias");
  at::Tensor M = at::empty({g.c, 4}, sums.options()), shift = at::empty({g.c, 2}, sums.options());
  at::Tensor stats = at::empty({g.c, 5}, sums.options());
  const double n = static_cast<double>(g.n * g.p);
  for (int64_t ch = 0; ch < g.c; ++ch) {
    const Whitening w = whiten(sums.data_ptr<double>() + 6 * ch, n, eps,
                               gamma.defined() ? gamma.data_ptr<double>() + 3 * ch : nullptr,
                               beta.defined() ? beta.data_ptr<double>() + 2 * ch : nullptr, diagonal);
    double* m = M.data_ptr<double>() + 4 * ch;
    for (int k = 0; k < 4; ++k) m[k] = w.m[k];
    shift.data_ptr<double>()[2 * ch] = w.c[0];
    shift.data_ptr<double>()[2 * ch + 1] = w.c[1];
    double* st = stats.data_ptr<double>() + 5 * ch;
    st[0] = w.mr; st[1] = w.mi; st[2] = w.vrr; st[3] = w.vri; st[4] = w.vii;
  }
  return {mix(v, M, std::nullopt, std::nullopt, shift), sums, stats};
}

// Its backward: (dx, d weight (C, 3) or undefined, d bias (C, 2) as real pairs).
std::tuple<at::Tensor, at::Tensor, at::Tensor> whiten_backward(const at::Tensor& grad, const at::Tensor& v,
                                                               const std::optional<at::Tensor>& weight,
                                                               const at::Tensor& sums, double eps, bool diagonal) {
  const Geometry g = geometry(v, "input");
  at::Tensor gsums = cross_moments(grad, v);  // sum g, sum g x^T
  at::Tensor gamma = optional_coefficients(weight, g.c, 3, "weight");
  at::Tensor s = sums.to(at::kDouble).contiguous();
  at::Tensor A = at::empty({g.c, 4}, gsums.options()), B = at::empty({g.c, 4}, gsums.options());
  at::Tensor shift = at::empty({g.c, 2}, gsums.options());
  at::Tensor gweight = gamma.defined() ? at::empty({g.c, 3}, gsums.options()) : at::Tensor();
  const double n = static_cast<double>(g.n * g.p);
  for (int64_t ch = 0; ch < g.c; ++ch) {
    const Whitening w = whiten(s.data_ptr<double>() + 6 * ch, n, eps,
                               gamma.defined() ? gamma.data_ptr<double>() + 3 * ch : nullptr, nullptr, diagonal);
    const double* gsum = gsums.data_ptr<double>() + 6 * ch;
    const WhiteningGrad d = whiten_grad(w, gsum, gsum + 2, n, diagonal);
    double* a = A.data_ptr<double>() + 4 * ch;  // M^T
    a[0] = w.m[0]; a[1] = w.m[2]; a[2] = w.m[1]; a[3] = w.m[3];
    double* b = B.data_ptr<double>() + 4 * ch;  // 2 D
    b[0] = 2 * d.D[0]; b[1] = 2 * d.D[1]; b[2] = 2 * d.D[1]; b[3] = 2 * d.D[2];
    shift.data_ptr<double>()[2 * ch] = d.mu[0] / n;
    shift.data_ptr<double>()[2 * ch + 1] = d.mu[1] / n;
    if (gweight.defined())
      for (int k = 0; k < 3; ++k) gweight.data_ptr<double>()[3 * ch + k] = d.gamma[k];
  }
  at::Tensor gx = mix(grad, A, v, B, shift);
  return {gx, gweight, gsums.slice(1, 0, 2).contiguous()};
}

}  // namespace


TORCH_LIBRARY(deepcomplex, m) {
  m.def("cross_moments(Tensor a, Tensor b) -> Tensor", cross_moments);
  m.def("mix(Tensor a, Tensor A, Tensor? b, Tensor? B, Tensor c) -> Tensor", mix);
  m.def("whiten_forward(Tensor x, Tensor? weight, Tensor? bias, float eps, bool diagonal=False) -> (Tensor, Tensor, Tensor)",
        whiten_forward);
  m.def("whiten_backward(Tensor grad, Tensor x, Tensor? weight, Tensor sums, float eps, bool diagonal=False) -> "
        "(Tensor, Tensor, Tensor)", whiten_backward);
}
