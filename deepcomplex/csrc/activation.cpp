// Elementwise complex activations on the (N, C, P, 2) real view: one pass forward, one pass backward.
#include "kernels.h"

namespace {

// modReLU(z) = ReLU(|z| + b) z / |z| (0 at z = 0) with a per-channel bias (Trabelsi et al., Eq. 4), one pass each way.
// Backward on the active set (|z| > 0, |z| + b > 0), u = z / |z|, t = b / |z|:
//   dL/dz = (1 + t) g - t u Re(conj(u) g),   dL/db = sum Re(conj(u) g).

// Planes split into blocks of this many elements, so that a few large planes (a bias shared by all channels is one
// channel of N*C*H*W elements) still spread over every thread.
constexpr int64_t kPlaneBlock = 16384;

inline int64_t plane_blocks(const Geometry& g) { return std::max<int64_t>(1, (g.p + kPlaneBlock - 1) / kPlaneBlock); }

template <typename T>
inline void modrelu_pair(const T* x, T* y, T b) {
  const T r = std::sqrt(x[0] * x[0] + x[1] * x[1]);
  const T s = (r > 0 && r + b > 0) ? (r + b) / r : T(0);
  y[0] = s * x[0];
  y[1] = s * x[1];
}

template <typename T>
inline double modrelu_grad_pair(const T* g, const T* x, T* gx, T b) {
  const T r = std::sqrt(x[0] * x[0] + x[1] * x[1]);
  if (!(r > 0 && r + b > 0)) {
    gx[0] = 0;
    gx[1] = 0;
    return 0.0;
  }
  const T ur = x[0] / r, ui = x[1] / r, t = b / r;
  const T dot = ur * g[0] + ui * g[1];
  gx[0] = (1 + t) * g[0] - t * ur * dot;
  gx[1] = (1 + t) * g[1] - t * ui * dot;
  return dot;
}

at::Tensor modrelu_forward(const at::Tensor& v, const at::Tensor& bias) {
  const Geometry g = geometry(v, "input");
  at::Tensor b = coefficients(bias, g.c, 1, "bias");
  at::Tensor y = at::empty_strided(v.sizes(), v.strides(), v.options());
  AT_DISPATCH_FLOATING_TYPES(v.scalar_type(), "modrelu_forward", [&] {
    const scalar_t* x = v.data_ptr<scalar_t>();
    scalar_t* out = y.data_ptr<scalar_t>();
    const double* bd = b.data_ptr<double>();
    if (planar(g)) {
      const int64_t blocks = plane_blocks(g);
      at::parallel_for(0, g.n * g.c * blocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t q = begin; q < end; ++q) {
          const int64_t plane = q / blocks, ch = plane % g.c, base = (plane / g.c) * g.sn + ch * g.sc;
          const int64_t p0 = (q % blocks) * kPlaneBlock, p1 = std::min(p0 + kPlaneBlock, g.p);
          const scalar_t bc = static_cast<scalar_t>(bd[ch]);
          for (int64_t p = p0; p < p1; ++p) modrelu_pair(x + base + p * g.sp, out + base + p * g.sp, bc);
        }
      });
    } else {
      std::vector<scalar_t> bs(bd, bd + g.c);
      at::parallel_for(0, g.n * g.p, kRows, [&](int64_t begin, int64_t end) {
        RowCursor row(g, begin);
        for (int64_t r = begin; r < end; ++r, row.next()) {
          const int64_t base = row.offset;
          for (int64_t ch = 0; ch < g.c; ++ch) modrelu_pair(x + base + ch * g.sc, out + base + ch * g.sc, bs[ch]);
        }
      });
    }
  });
  return y;
}

std::tuple<at::Tensor, at::Tensor> modrelu_backward(const at::Tensor& grad, const at::Tensor& v, const at::Tensor& bias) {
  const Geometry g = geometry(v, "input");
  check_same(v, grad, "grad");
  at::Tensor b = coefficients(bias, g.c, 1, "bias");
  at::Tensor gx = at::empty_strided(v.sizes(), v.strides(), v.options());
  const int64_t threads = at::get_num_threads();
  std::vector<double> acc(static_cast<size_t>(threads * g.c), 0.0);
  AT_DISPATCH_FLOATING_TYPES(v.scalar_type(), "modrelu_backward", [&] {
    const scalar_t* x = v.data_ptr<scalar_t>();
    const scalar_t* gy = grad.data_ptr<scalar_t>();
    scalar_t* out = gx.data_ptr<scalar_t>();
    const double* bd = b.data_ptr<double>();
    if (planar(g)) {
      const int64_t blocks = plane_blocks(g);
      at::parallel_for(0, g.n * g.c * blocks, 1, [&](int64_t begin, int64_t end) {
        double* mine = acc.data() + at::get_thread_num() * g.c;
        for (int64_t q = begin; q < end; ++q) {
          const int64_t plane = q / blocks, ch = plane % g.c, base = (plane / g.c) * g.sn + ch * g.sc;
          const int64_t p0 = (q % blocks) * kPlaneBlock, p1 = std::min(p0 + kPlaneBlock, g.p);
          const scalar_t bc = static_cast<scalar_t>(bd[ch]);
          double sum = 0;
          for (int64_t p = p0; p < p1; ++p) {
            const int64_t i = base + p * g.sp;
            sum += modrelu_grad_pair(gy + i, x + i, out + i, bc);
          }
          mine[ch] += sum;
        }
      });
    } else {
      std::vector<scalar_t> bs(bd, bd + g.c);
      at::parallel_for(0, g.n * g.p, kRows, [&](int64_t begin, int64_t end) {
        double* mine = acc.data() + at::get_thread_num() * g.c;
        RowCursor row(g, begin);
        for (int64_t r = begin; r < end; ++r, row.next()) {
          const int64_t base = row.offset;
          for (int64_t ch = 0; ch < g.c; ++ch) {
            const int64_t i = base + ch * g.sc;
            mine[ch] += modrelu_grad_pair(gy + i, x + i, out + i, bs[ch]);
          }
        }
      });
    }
  });
  at::Tensor gb = at::zeros({g.c}, v.options().dtype(at::kDouble));
  for (int64_t t = 0; t < threads; ++t)
    for (int64_t ch = 0; ch < g.c; ++ch) gb.data_ptr<double>()[ch] += acc[t * g.c + ch];
  return {gx, gb};
}
}  // namespace

TORCH_LIBRARY_FRAGMENT(deepcomplex, m) {
  m.def("modrelu_forward(Tensor x, Tensor bias) -> Tensor", modrelu_forward);
  m.def("modrelu_backward(Tensor grad, Tensor x, Tensor bias) -> (Tensor, Tensor)", modrelu_backward);
}
