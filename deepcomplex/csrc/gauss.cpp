// The passes around Gauss's three-product form of a complex bilinear map (linear layers, convolutions), one each:
//   split  a complex (M, n) operand, as its real view (M, n, 2), into three real (M, n) parts c_k0 Re + c_k1 Im, laid
//          out (3, M, n) ("planar": three separate matrices, for batched matrix products) or (M, 3, n) ("grouped":
//          a channels-last tensor of 3n channels, for a grouped convolution);
//   merge  three real (M, n) products t_k (any row strides, unit column stride) back into one complex (M, n) tensor,
//          Re = sum_k q_0k t_k + Re bias, Im = sum_k q_1k t_k + Im bias (bias per column, optional).
// deepcomplex.functional.gauss holds the math (which coefficients, why); these only move numbers, and replace several
// strided PyTorch passes (each reading or writing one part) by one contiguous pass each way.
#include "kernels.h"

#include <array>

namespace {

// Grain: about this many numbers written per task.
constexpr int64_t kGauss = 32768;

std::array<double, 6> coefficients6(const std::vector<double>& c, const char* what) {
  TORCH_CHECK(c.size() == 6, "deepcomplex gauss kernel: ", what, " needs 6 coefficients, got ", c.size());
  return {c[0], c[1], c[2], c[3], c[4], c[5]};
}

// One row: n (Re, Im) pairs in, three rows of n numbers out. A function of its own, with restrict-qualified
// parameters, so that the compiler vectorizes the loop (inside the parallel lambda it does not).
template <typename T>
void split_row(const T* __restrict z, T* __restrict o0, T* __restrict o1, T* __restrict o2, int64_t n,
               const T* __restrict c) {
  const T c00 = c[0], c01 = c[1], c10 = c[2], c11 = c[3], c20 = c[4], c21 = c[5];
  for (int64_t j = 0; j < n; ++j) {
    const T re = z[2 * j], im = z[2 * j + 1];
    o0[j] = c00 * re + c01 * im;
    o1[j] = c10 * re + c11 * im;
    o2[j] = c20 * re + c21 * im;
  }
}

template <typename T>
void split_rows(const T* z, int64_t rows, int64_t n, int64_t row_stride, const std::array<double, 6>& c, T* out,
                int64_t out_row, int64_t out_part) {
  const T k[6] = {T(c[0]), T(c[1]), T(c[2]), T(c[3]), T(c[4]), T(c[5])};
  at::parallel_for(0, rows, std::max<int64_t>(1, kGauss / std::max<int64_t>(1, 3 * n)), [&](int64_t begin,
                                                                                             int64_t end) {
    for (int64_t m = begin; m < end; ++m) {
      T* o = out + m * out_row;
      split_row(z + m * row_stride, o, o + out_part, o + 2 * out_part, n, k);
    }
  });
}

// z: real view (M, n, 2) of a complex (M, n) tensor whose rows hold n contiguous (Re, Im) pairs.
at::Tensor gauss_split(const at::Tensor& z, std::vector<double> c, bool grouped) {
  TORCH_CHECK(z.dim() == 3 && z.size(2) == 2 && z.stride(2) == 1 && (z.size(1) <= 1 || z.stride(1) == 2),
              "deepcomplex gauss_split kernel: input must be a real (M, n, 2) view with contiguous (Re, Im) pairs in "
              "each row, got sizes ", z.sizes(), " strides ", z.strides());
  TORCH_CHECK(z.device().is_cpu(), "deepcomplex gauss_split kernel: input must be on the CPU");
  const auto k = coefficients6(c, "split");
  const int64_t rows = z.size(0), n = z.size(1);
  at::Tensor out = grouped ? at::empty({rows, 3, n}, z.options()) : at::empty({3, rows, n}, z.options());
  if (out.numel() == 0) return out;
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "gauss_split", [&] {
    split_rows(z.data_ptr<scalar_t>(), rows, n, z.stride(0), k, out.data_ptr<scalar_t>(), grouped ? 3 * n : n,
               grouped ? n : rows * n);
  });
  return out;
}

template <typename T>
void merge_row(const T* __restrict a, const T* __restrict b, const T* __restrict d, const T* __restrict bias,
               T* __restrict o, int64_t n, const T* __restrict q) {
  const T q00 = q[0], q01 = q[1], q02 = q[2], q10 = q[3], q11 = q[4], q12 = q[5];
  if (bias) {
    for (int64_t j = 0; j < n; ++j) {
      o[2 * j] = q00 * a[j] + q01 * b[j] + q02 * d[j] + bias[2 * j];
      o[2 * j + 1] = q10 * a[j] + q11 * b[j] + q12 * d[j] + bias[2 * j + 1];
    }
  } else {
    for (int64_t j = 0; j < n; ++j) {
      o[2 * j] = q00 * a[j] + q01 * b[j] + q02 * d[j];
      o[2 * j + 1] = q10 * a[j] + q11 * b[j] + q12 * d[j];
    }
  }
}

template <typename T>
void merge_rows(const T* t0, const T* t1, const T* t2, int64_t s0, int64_t s1, int64_t s2, int64_t rows, int64_t n,
                const std::array<double, 6>& q, const T* bias, T* out) {
  const T k[6] = {T(q[0]), T(q[1]), T(q[2]), T(q[3]), T(q[4]), T(q[5])};
  at::parallel_for(0, rows, std::max<int64_t>(1, kGauss / std::max<int64_t>(1, 2 * n)), [&](int64_t begin,
                                                                                             int64_t end) {
    for (int64_t m = begin; m < end; ++m) merge_row(t0 + m * s0, t1 + m * s1, t2 + m * s2, bias, out + m * 2 * n, n, k);
  });
}

// t0, t1, t2: real (M, n) with unit column stride; bias: real (n, 2) contiguous or None. Returns real (M, n, 2).
at::Tensor gauss_merge(const at::Tensor& t0, const at::Tensor& t1, const at::Tensor& t2, std::vector<double> q,
                       const std::optional<at::Tensor>& bias) {
  for (const at::Tensor* t : {&t0, &t1, &t2}) {
    TORCH_CHECK(t->dim() == 2 && (t->size(1) <= 1 || t->stride(1) == 1) && t->sizes() == t0.sizes() &&
                    t->scalar_type() == t0.scalar_type() && t->device().is_cpu(),
                "deepcomplex gauss_merge kernel: the three parts must be real (M, n) CPU tensors of one shape and "
                "dtype with unit column stride, got sizes ", t->sizes(), " strides ", t->strides());
  }
  const auto k = coefficients6(q, "merge");
  const int64_t rows = t0.size(0), n = t0.size(1);
  const bool has_bias = bias.has_value() && bias->defined();
  if (has_bias) {
    TORCH_CHECK(bias->dim() == 2 && bias->size(0) == n && bias->size(1) == 2 && bias->is_contiguous() &&
                    bias->scalar_type() == t0.scalar_type() && bias->device().is_cpu(),
                "deepcomplex gauss_merge kernel: bias must be a contiguous real (n, 2) view on the CPU, got sizes ",
                bias->sizes());
  }
  at::Tensor out = at::empty({rows, n, 2}, t0.options());
  if (out.numel() == 0) return out;
  AT_DISPATCH_FLOATING_TYPES(t0.scalar_type(), "gauss_merge", [&] {
    merge_rows(t0.data_ptr<scalar_t>(), t1.data_ptr<scalar_t>(), t2.data_ptr<scalar_t>(), t0.stride(0),
               t1.stride(0), t2.stride(0), rows, n, k, has_bias ? bias->data_ptr<scalar_t>() : nullptr,
               out.data_ptr<scalar_t>());
  });
  return out;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(deepcomplex, m) {
  m.def("gauss_split(Tensor z, float[] c, bool grouped) -> Tensor", gauss_split);
  m.def("gauss_merge(Tensor t0, Tensor t1, Tensor t2, float[] q, Tensor? bias) -> Tensor", gauss_merge);
}
