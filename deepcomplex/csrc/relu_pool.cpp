// Bias, ReLU and 2x2 average pooling of the top-left (OH, OW) crop of real (N, C, H, W) planes, one pass each way:
// the tail of CoShNet's fused stem (shearlet front end and first convolution as FFT filters, then CReLU and pooling
// on the real parts), reading the inverse FFT's full (H, W) output in place of a cropped copy.
//   forward   p(n, c, i, j) = 1/4 sum_{a, b < 2} relu(y(n, c, 2i + a, 2j + b) + bias(c))
//   backward  dy(n, c, u, v) = 1/4 dp(n, c, u / 2, v / 2) [y(n, c, u, v) + bias(c) > 0] inside the crop, 0 outside:
//             the zero-padded (H, W) gradient the forward FFT of the backward pass takes as it is; and the per-plane
//             sums of dy (float64), whose sum over the batch is the bias gradient.
#include "kernels.h"

namespace {

void check_planes(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.dim() == 4 && t.is_contiguous() && t.device().is_cpu(), "deepcomplex relu_pool2x2 kernel: ", what,
              " must be a contiguous real (N, C, H, W) CPU tensor, got sizes ", t.sizes(), " strides ", t.strides());
}

void check_bias(const c10::optional<at::Tensor>& bias, const at::Tensor& y) {
  if (!bias.has_value()) return;
  TORCH_CHECK(bias->dim() == 1 && bias->size(0) == y.size(1) && bias->is_contiguous() &&
                  bias->scalar_type() == y.scalar_type(),
              "deepcomplex relu_pool2x2 kernel: bias must be a contiguous (C,) tensor of the input's dtype, got ",
              bias->sizes(), " ", bias->scalar_type());
}

at::Tensor relu_pool2x2_forward(const at::Tensor& y, const c10::optional<at::Tensor>& bias, int64_t oh, int64_t ow) {
  check_planes(y, "input");
  check_bias(bias, y);
  const int64_t n = y.size(0), c = y.size(1), h = y.size(2), w = y.size(3);
  TORCH_CHECK(oh % 2 == 0 && ow % 2 == 0 && oh > 0 && ow > 0 && oh <= h && ow <= w,
              "deepcomplex relu_pool2x2 kernel: the crop must be even, positive and inside (", h, ", ", w, "), got (",
              oh, ", ", ow, ")");
  at::Tensor p = at::empty({n, c, oh / 2, ow / 2}, y.options());
  AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "relu_pool2x2_forward", [&] {
    const scalar_t* src = y.data_ptr<scalar_t>();
    const scalar_t* b = bias.has_value() ? bias->data_ptr<scalar_t>() : nullptr;
    scalar_t* dst = p.data_ptr<scalar_t>();
    const int64_t ph = oh / 2, pw = ow / 2;
    at::parallel_for(0, n * c, 1, [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const scalar_t shift = b ? b[plane % c] : scalar_t(0), zero = 0, quarter = scalar_t(0.25);
        const scalar_t* in = src + plane * h * w;
        scalar_t* out = dst + plane * ph * pw;
        for (int64_t i = 0; i < ph; ++i) {
          const scalar_t* r0 = in + 2 * i * w;
          const scalar_t* r1 = r0 + w;
          for (int64_t j = 0; j < pw; ++j) {
            const scalar_t s = std::max(r0[2 * j] + shift, zero) + std::max(r0[2 * j + 1] + shift, zero) +
                               std::max(r1[2 * j] + shift, zero) + std::max(r1[2 * j + 1] + shift, zero);
            out[i * pw + j] = s * quarter;
          }
        }
      }
    });
  });
  return p;
}

// One plane of the backward: rows inside the crop, then the zero rows below it; returns the sum of dy.
template <typename T>
double backward_plane(const T* gp, const T* y, T* dy, T shift, int64_t h, int64_t w, int64_t ph, int64_t pw) {
  const T zero = 0, quarter = T(0.25);
  double acc = 0;
  for (int64_t u = 0; u < 2 * ph; ++u) {
    const T* yr = y + u * w;
    const T* gr = gp + (u / 2) * pw;
    T* row = dy + u * w;
    T row_sum = 0;
#pragma omp simd reduction(+ : row_sum)
    for (int64_t j = 0; j < pw; ++j) {
      const T g = gr[j] * quarter;
      const T d0 = yr[2 * j] + shift > zero ? g : zero;
      const T d1 = yr[2 * j + 1] + shift > zero ? g : zero;
      row[2 * j] = d0;
      row[2 * j + 1] = d1;
      row_sum += d0 + d1;
    }
    std::fill(row + 2 * pw, row + w, zero);
    acc += static_cast<double>(row_sum);
  }
  std::fill(dy + 2 * ph * w, dy + h * w, zero);
  return acc;
}

std::tuple<at::Tensor, at::Tensor> relu_pool2x2_backward(const at::Tensor& grad, const at::Tensor& y,
                                                         const c10::optional<at::Tensor>& bias) {
  check_planes(grad, "grad");
  check_planes(y, "input");
  check_bias(bias, y);
  const int64_t n = y.size(0), c = y.size(1), h = y.size(2), w = y.size(3), ph = grad.size(2), pw = grad.size(3);
  TORCH_CHECK(grad.size(0) == n && grad.size(1) == c && 2 * ph <= h && 2 * pw <= w &&
                  grad.scalar_type() == y.scalar_type(),
              "deepcomplex relu_pool2x2 kernel: grad ", grad.sizes(), " does not fit the input ", y.sizes());
  at::Tensor dy = at::empty_like(y);
  at::Tensor sums = at::empty({n, c}, y.options().dtype(at::kDouble));
  AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "relu_pool2x2_backward", [&] {
    const scalar_t* g = grad.data_ptr<scalar_t>();
    const scalar_t* src = y.data_ptr<scalar_t>();
    const scalar_t* b = bias.has_value() ? bias->data_ptr<scalar_t>() : nullptr;
    scalar_t* out = dy.data_ptr<scalar_t>();
    double* total = sums.data_ptr<double>();
    at::parallel_for(0, n * c, 1, [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane)
        total[plane] = backward_plane(g + plane * ph * pw, src + plane * h * w, out + plane * h * w,
                                      b ? b[plane % c] : scalar_t(0), h, w, ph, pw);
    });
  });
  return {dy, sums};
}
}  // namespace

TORCH_LIBRARY_FRAGMENT(deepcomplex, m) {
  m.def("relu_pool2x2_forward(Tensor y, Tensor? bias, int oh, int ow) -> Tensor", relu_pool2x2_forward);
  m.def("relu_pool2x2_backward(Tensor grad, Tensor y, Tensor? bias) -> (Tensor, Tensor)", relu_pool2x2_backward);
}
