/*
 * datadir.h - where gilsim finds its data: the bundled scenarios and the
 * fonts, wherever the binary is.
 *
 * A built, installed, moved, copied or packaged gilsim looks in this
 * order, and the first folder that holds what is asked for wins:
 *
 *   1. the environment: GILSIM_SCENARIOS, GILSIM_ASSETS (fonts);
 *   2. a build tree: a file "gilsim-uninstalled" beside the executable
 *      (or one folder up, for the test programs) names the source tree,
 *      whose scenarios/ and assets/ are used; meson writes it into the
 *      build folder and never installs it;
 *   3. relative to the executable: BINDIR/../share/gilsim/{scenarios,fonts},
 *      so a whole installed tree can be moved anywhere;
 *   4. the install prefix it was configured with (PREFIX/share/gilsim);
 *   5. fonts only: the system's DejaVu fonts (Debian's fonts-dejavu-core,
 *      and the places other distributions put them).
 *
 * No path of the tree it was built in is compiled into the program.
 */
#ifndef GILSIM_DATADIR_H
#define GILSIM_DATADIR_H

#include <stdbool.h>

typedef enum RDataKind {
    R_DATA_SCENARIOS = 0, /* the bundled scenarios, NAME.json, and schema.json */
    R_DATA_FONTS,         /* DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf */
    R_DATA_KIND_COUNT
} RDataKind;

#define R_DATA_MAX_DIRS 16

/* The folders to look in for kind, best first, existing or not (the
 * strings are the module's own, computed once). Returns how many. */
int render_data_dirs(RDataKind kind, const char *const **dirs);

/* The first folder of kind that holds a regular file named `file`, as an
 * absolute path when it could be resolved; NULL if none does. The result
 * is malloc'd. */
char *render_data_find_dir(RDataKind kind, const char *file);

/* dir/file is a regular file. */
bool render_data_is_file(const char *dir, const char *file);

#endif /* GILSIM_DATADIR_H */
