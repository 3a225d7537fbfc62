/* The flame variations (G5): the out-of-line entry point; the definitions are inline in
 * variations.h. */
#include "variations.h"

void fv_variation_apply(int v, const FvMap *m, uint64_t rnd, double *x, double *y)
{
    fv_variation_eval(v, m, rnd, x, y);
}
