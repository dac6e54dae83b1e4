// Pooling backward kernels. A scatter, so nothing to vectorise; what matters is that each thread
// zeroes and fills its own planes in one pass while they are in cache.
#include "CPoolKernels.h"
#include <string.h>

void syn_maxpool2d_backward(const float *dy, const int32_t *idx, const float *y, float *dx, int64_t plane_in,
                            int64_t plane_out, int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; pl++) {
        float *dp = dx + pl * plane_in;
        const float *gp = dy + pl * plane_out;
        const int32_t *ip = idx + pl * plane_out;
        memset(dp, 0, (size_t)plane_in * sizeof(float));
        if (y) {
            // Pooling of a ReLU: a window whose output is 0 (its maximum was ≤ 0) sends nothing back, as
            // ReLU's `x <= 0 ? 0 : dy` would have zeroed it: its input is ≤ 0, so no window with a
            // positive (or NaN) maximum sends anything to it either.
            const float *yp = y + pl * plane_out;
            for (int64_t q = 0; q < plane_out; q++)
                if (ip[q] >= 0 && !(yp[q] <= 0)) dp[ip[q]] += gp[q];
            continue;
        }
        for (int64_t q = 0; q < plane_out; q++)
            if (ip[q] >= 0) dp[ip[q]] += gp[q];
    }
}
