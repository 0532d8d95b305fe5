// Elementwise complex activations on the real view: one pass forward, one pass backward. modReLU works on the
// (N, C, P, 2) view (its bias is per channel); zReLU on any dense tensor as one flat array of (Re, Im) pairs.
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

// zReLU(z) = z where Re z >= 0 and Im z >= 0, else 0 (Guberman, 2016; Trabelsi et al., Eq. 6): a select, not a product,
// so an element with a NaN part (NaN >= 0 is false) gives +0 and so does -inf; -0 counts as >= 0 and passes. The
// gradient is the same select applied to the incoming gradient, so one routine does both: out = keep(x) ? v : 0.

// Elements of a tensor that is non-overlapping and dense fill [data, data + numel) in some order, and an output
// allocated with the same strides puts element i at the same offset: such a tensor is one flat array.
const at::Tensor& flat_pairs(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.dim() >= 1 && t.size(-1) == 2 && t.stride(-1) == 1 && t.is_non_overlapping_and_dense(),
              "deepcomplex zrelu kernel: ", what, " must be a dense real (..., 2) view, got sizes ", t.sizes(),
              " strides ", t.strides());
  TORCH_CHECK(t.device().is_cpu(), "deepcomplex zrelu kernel: ", what, " must be on the CPU");
  return t;
}

template <typename T>
void zrelu_select(const T* __restrict x, const T* __restrict v, T* __restrict out, int64_t pairs) {
  at::parallel_for(0, pairs, 16384, [&](int64_t begin, int64_t end) {
    // every value is loaded and the test uses & (not &&): no branch on the data, and the loop vectorizes
    for (int64_t k = begin; k < end; ++k) {
      const bool keep = (x[2 * k] >= T(0)) & (x[2 * k + 1] >= T(0));
      const T re = v[2 * k], im = v[2 * k + 1];
      out[2 * k] = keep ? re : T(0);
      out[2 * k + 1] = keep ? im : T(0);
    }
  });
}

at::Tensor zrelu_forward(const at::Tensor& x) {
  flat_pairs(x, "input");
  at::Tensor y = at::empty_strided(x.sizes(), x.strides(), x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "zrelu_forward", [&] {
    zrelu_select(x.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>(), x.numel() / 2);
  });
  return y;
}

// dL/dz = grad where z passes, else 0; a fresh tensor (the incoming gradient is never written).
at::Tensor zrelu_backward(const at::Tensor& grad, const at::Tensor& x) {
  flat_pairs(x, "input");
  TORCH_CHECK(grad.sizes() == x.sizes() && grad.strides() == x.strides() && grad.scalar_type() == x.scalar_type(),
              "deepcomplex zrelu kernel: grad must have the sizes, strides and dtype of the input");
  at::Tensor gx = at::empty_strided(x.sizes(), x.strides(), x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "zrelu_backward", [&] {
    zrelu_select(x.data_ptr<scalar_t>(), grad.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>(), x.numel() / 2);
  });
  return gx;
}
}  // namespace

TORCH_LIBRARY_FRAGMENT(deepcomplex, m) {
  m.def("modrelu_forward(Tensor x, Tensor bias) -> Tensor", modrelu_forward);
  m.def("modrelu_backward(Tensor grad, Tensor x, Tensor bias) -> (Tensor, Tensor)", modrelu_backward);
  m.def("zrelu_forward(Tensor x) -> Tensor", zrelu_forward);
  m.def("zrelu_backward(Tensor grad, Tensor x) -> Tensor", zrelu_backward);
}
