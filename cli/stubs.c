/* Temporary: commands whose files are not in the tree yet. */
#include "cli.h"
