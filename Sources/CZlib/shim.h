// zlib (Debian's zlib1g-dev): inflate for .gz files and crc32 for cache checksums.
#include <zlib.h>
