// oneDNN 2.6 C API (Debian's libdnnl-dev). No pkg-config file: link dnnl directly.
#include <dnnl.h>
#include <dnnl_debug.h>

// Debian's oneDNN runs on GNU OpenMP; its thread count is OpenMP's. omp.h lives in GCC's private
// include folder, so the two calls we need are declared here (libgomp, linked above).
void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
