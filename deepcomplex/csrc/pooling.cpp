// 2-D average pooling of complex images on their real view (N, C, H, W, 2), windows without padding, one pass each way.
// y(n, c, oh, ow) = (1 / divisor) sum_{i < kH, j < kW} x(n, c, oh sH + i, ow sW + j), Re and Im alike; the backward
// gathers, for each input element, the windows that hold it, so every gradient element is written once (no zero fill,
// no scatter) and the incoming gradient is only read. Two memory layouts, kept from input to output:
//   planar         (N, C, H, W, 2) contiguous: complex NCHW; a plane row is W interleaved (Re, Im) pairs;
//   channels-last  memory order (N, H, W, C, 2): complex channels-last; a pixel is 2C contiguous numbers.
#include "kernels.h"

namespace {

struct Pool {
  int64_t n, c, h, w, ho, wo, kh, kw, sh, sw;
  double divisor;
  bool planar;
  // windows tile the image (stride = kernel): each input element lies in at most one window
  bool tiled() const { return kh == sh && kw == sw; }
};

// Planar or channels-last, from the strides of a real (N, C, H, W, 2) view.
bool planar_layout(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.dim() == 5 && t.size(4) == 2, "deepcomplex avg_pool2d kernel: ", what,
              " must be a real (N, C, H, W, 2) view, got sizes ", t.sizes());
  TORCH_CHECK(t.device().is_cpu(), "deepcomplex avg_pool2d kernel: ", what, " must be on the CPU");
  if (t.is_contiguous()) return true;
  TORCH_CHECK(t.permute({0, 2, 3, 1, 4}).is_contiguous(), "deepcomplex avg_pool2d kernel: ", what,
              " must be complex NCHW or channels-last (contiguous (N, C, H, W, 2) or (N, H, W, C, 2) in memory), got "
              "strides ", t.strides());
  return false;
}

Pool pool(int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t divisor,
          bool planar) {
  TORCH_CHECK(kh > 0 && kw > 0 && sh > 0 && sw > 0 && divisor != 0,
              "deepcomplex avg_pool2d kernel: kernel size and stride must be positive and the divisor nonzero");
  TORCH_CHECK(h >= kh && w >= kw, "deepcomplex avg_pool2d kernel: window (", kh, ", ", kw,
              ") larger than the image (", h, ", ", w, ")");
  return {n, c, h, w, (h - kh) / sh + 1, (w - kw) / sw + 1, kh, kw, sh, sw, static_cast<double>(divisor), planar};
}

// A real (N, C, rows, cols, 2) tensor in the layout of the pool.
at::Tensor allocate(const Pool& p, int64_t rows, int64_t cols, const at::TensorOptions& options) {
  if (p.planar) return at::empty({p.n, p.c, rows, cols, 2}, options);
  return at::empty({p.n, rows, cols, p.c, 2}, options).permute({0, 3, 1, 2, 4});
}

// The windows [lo, hi] (inclusive, empty when lo > hi) that hold input index i, for k-wide windows of stride s.
inline void windows_of(int64_t i, int64_t k, int64_t s, int64_t count, int64_t& lo, int64_t& hi) {
  lo = i >= k ? (i - k) / s + 1 : 0;
  hi = std::min(count - 1, i / s);
}

// Grain: about this many numbers written per task.
constexpr int64_t kGrainNumbers = 32768;

template <typename T>
void forward_planar(const Pool& p, const T* x, T* y) {
  const int64_t rows = p.n * p.c * p.ho, row_in = p.w * 2, row_out = p.wo * 2;
  const T div = static_cast<T>(p.divisor);
  at::parallel_for(0, rows, std::max<int64_t>(1, kGrainNumbers / row_out), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t plane = r / p.ho, oh = r % p.ho;
      const T* in = x + (plane * p.h + oh * p.sh) * row_in;
      T* out = y + r * row_out;
      if (p.kh == 2 && p.kw == 2 && p.sw == 2) {  // the common 2x2 window: two rows, pairs (2 ow, 2 ow + 1)
        const T* a = in;
        const T* b = in + row_in;
        for (int64_t q = 0; q < p.wo; ++q) {
          out[2 * q] = ((a[4 * q] + b[4 * q]) + (a[4 * q + 2] + b[4 * q + 2])) / div;
          out[2 * q + 1] = ((a[4 * q + 1] + b[4 * q + 1]) + (a[4 * q + 3] + b[4 * q + 3])) / div;
        }
        continue;
      }
      for (int64_t q = 0; q < p.wo; ++q) {
        T re = 0, im = 0;
        for (int64_t i = 0; i < p.kh; ++i) {
          const T* src = in + i * row_in + q * p.sw * 2;
          for (int64_t j = 0; j < p.kw; ++j) {
            re += src[2 * j];
            im += src[2 * j + 1];
          }
        }
        out[2 * q] = re / div;
        out[2 * q + 1] = im / div;
      }
    }
  });
}

template <typename T>
void forward_channels_last(const Pool& p, const T* x, T* y) {
  const int64_t pixels = p.n * p.ho * p.wo, width = p.c * 2;
  const T div = static_cast<T>(p.divisor);
  at::parallel_for(0, pixels, std::max<int64_t>(1, kGrainNumbers / width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / (p.ho * p.wo), oh = (r / p.wo) % p.ho, ow = r % p.wo;
      const T* in = x + ((n * p.h + oh * p.sh) * p.w + ow * p.sw) * width;
      T* out = y + r * width;
      for (int64_t q = 0; q < width; ++q) out[q] = 0;
      for (int64_t i = 0; i < p.kh; ++i)
        for (int64_t j = 0; j < p.kw; ++j) {
          const T* src = in + (i * p.w + j) * width;
          for (int64_t q = 0; q < width; ++q) out[q] += src[q];
        }
      for (int64_t q = 0; q < width; ++q) out[q] /= div;
    }
  });
}

template <typename T>
void backward_planar(const Pool& p, const T* g, T* gx) {
  const int64_t rows = p.n * p.c * p.h, row_in = p.w * 2, row_out = p.wo * 2;
  const T div = static_cast<T>(p.divisor);
  std::vector<int64_t> lo(p.w), hi(p.w);
  for (int64_t w = 0; w < p.w; ++w) windows_of(w, p.kw, p.sw, p.wo, lo[w], hi[w]);
  at::parallel_for(0, rows, std::max<int64_t>(1, kGrainNumbers / row_in), [&](int64_t begin, int64_t end) {
    std::vector<T> scaled(row_out);
    for (int64_t r = begin; r < end; ++r) {
      const int64_t plane = r / p.h, h = r % p.h;
      T* out = gx + r * row_in;
      int64_t oh0, oh1;
      windows_of(h, p.kh, p.sh, p.ho, oh0, oh1);
      if (oh0 > oh1) {  // below the last window (or between windows of a stride above the kernel)
        std::fill(out, out + row_in, T(0));
        continue;
      }
      const T* grow = g + (plane * p.ho + oh0) * row_out;
      if (p.tiled()) {  // one window row, each pair copied to kW neighbours; columns past the last window get 0
        for (int64_t q = 0; q < row_out; ++q) scaled[q] = grow[q] / div;
        if (p.kw == 2) {
          for (int64_t q = 0; q < p.wo; ++q) {
            out[4 * q] = scaled[2 * q];
            out[4 * q + 1] = scaled[2 * q + 1];
            out[4 * q + 2] = scaled[2 * q];
            out[4 * q + 3] = scaled[2 * q + 1];
          }
        } else {
          for (int64_t q = 0; q < p.wo; ++q)
            for (int64_t j = 0; j < p.kw; ++j) {
              out[2 * (q * p.kw + j)] = scaled[2 * q];
              out[2 * (q * p.kw + j) + 1] = scaled[2 * q + 1];
            }
        }
        std::fill(out + p.wo * p.kw * 2, out + row_in, T(0));
        continue;
      }
      for (int64_t w = 0; w < p.w; ++w) {
        T re = 0, im = 0;
        for (int64_t oh = oh0; oh <= oh1; ++oh) {
          const T* src = grow + (oh - oh0) * row_out;
          for (int64_t ow = lo[w]; ow <= hi[w]; ++ow) {
            re += src[2 * ow] / div;
            im += src[2 * ow + 1] / div;
          }
        }
        out[2 * w] = re;
        out[2 * w + 1] = im;
      }
    }
  });
}

template <typename T>
void backward_channels_last(const Pool& p, const T* g, T* gx) {
  const int64_t pixels = p.n * p.h * p.w, width = p.c * 2;
  const T div = static_cast<T>(p.divisor);
  at::parallel_for(0, pixels, std::max<int64_t>(1, kGrainNumbers / width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / (p.h * p.w), h = (r / p.w) % p.h, w = r % p.w;
      T* out = gx + r * width;
      int64_t oh0, oh1, ow0, ow1;
      windows_of(h, p.kh, p.sh, p.ho, oh0, oh1);
      windows_of(w, p.kw, p.sw, p.wo, ow0, ow1);
      for (int64_t q = 0; q < width; ++q) out[q] = 0;
      for (int64_t oh = oh0; oh <= oh1; ++oh)
        for (int64_t ow = ow0; ow <= ow1; ++ow) {
          const T* src = g + ((n * p.ho + oh) * p.wo + ow) * width;
          for (int64_t q = 0; q < width; ++q) out[q] += src[q] / div;
        }
    }
  });
}

at::Tensor avg_pool2d_forward(const at::Tensor& x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t divisor) {
  const bool planar = planar_layout(x, "input");
  const Pool p = pool(x.size(0), x.size(1), x.size(2), x.size(3), kh, kw, sh, sw, divisor, planar);
  at::Tensor y = allocate(p, p.ho, p.wo, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "avg_pool2d_forward", [&] {
    if (planar) forward_planar(p, x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>());
    else forward_channels_last(p, x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>());
  });
  return y;
}

// grad: the real view of the output's gradient, in the layout of the output; returns the input's gradient (H, W).
at::Tensor avg_pool2d_backward(const at::Tensor& grad, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh,
                               int64_t sw, int64_t divisor) {
  const bool planar = planar_layout(grad, "grad");
  const Pool p = pool(grad.size(0), grad.size(1), h, w, kh, kw, sh, sw, divisor, planar);
  TORCH_CHECK(grad.size(2) == p.ho && grad.size(3) == p.wo, "deepcomplex avg_pool2d kernel: grad must be (", p.ho,
              ", ", p.wo, ") for a (", h, ", ", w, ") input, got ", grad.sizes());
  at::Tensor gx = allocate(p, h, w, grad.options());
  AT_DISPATCH_FLOATING_TYPES(grad.scalar_type(), "avg_pool2d_backward", [&] {
    if (planar) backward_planar(p, grad.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>());
    else backward_channels_last(p, grad.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>());
  });
  return gx;
}
}  // namespace

TORCH_LIBRARY_FRAGMENT(deepcomplex, m) {
  m.def("avg_pool2d_forward(Tensor x, int kh, int kw, int sh, int sw, int divisor) -> Tensor", avg_pool2d_forward);
  m.def("avg_pool2d_backward(Tensor grad, int h, int w, int kh, int kw, int sh, int sw, int divisor) -> Tensor",
        avg_pool2d_backward);
}
