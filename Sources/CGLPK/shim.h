// GLPK, the GNU Linear Programming Kit (simplex and branch-and-bound), from Debian's
// libglpk-dev. Debian ships no pkg-config file for GLPK, so the module map links it by name.
#include <glpk.h>
