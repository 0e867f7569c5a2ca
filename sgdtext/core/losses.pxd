cdef class Loss:
    cdef double row(self, double *scores, double *grad, long long y, int k) noexcept nogil
