/* Clip-wide log tone mapping (G8): pixel = log(1 + count) / max(1, clip max) * 255.
 * Frames are kept as 16-bit log codes until the clip's maximum is known. */
#include "fv_internal.h"
#include "fvmath.h"

uint16_t fv_log_code(uint32_t count)
{
    /* fv_log(count + 1) is exact input for integer counts, and libm-free (E5) */
    double code = fv_log((double)count + 1.0) * FV_LOG_SCALE + 0.5;
    return (uint16_t)code;
}
