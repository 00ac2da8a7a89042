#include <hs/hs.h>
/* malloc_trim returns the heap that Hyperscan's compiler freed to the system. */
#include <malloc.h>
