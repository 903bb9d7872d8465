// libpng 1.6 (Debian's libpng-dev); Minima uses only the simplified png_image API, which
// reports errors through its return value instead of longjmp.
#include <png.h>
