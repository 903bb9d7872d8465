// OpenBLAS's CBLAS (with openblas_get_corename / openblas_set_num_threads) and LAPACKE,
// from Debian's libopenblas-dev and liblapacke-dev. Complex types are declared as structs so
// that the Swift importer accepts every prototype; Minima only calls the real routines.
#define LAPACK_COMPLEX_STRUCTURE
#include <cblas.h>
#include <lapacke.h>
