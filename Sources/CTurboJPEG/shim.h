// The TurboJPEG API of libjpeg-turbo (Debian's libturbojpeg0-dev).
#include <turbojpeg.h>
