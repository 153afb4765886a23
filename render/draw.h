/*
 * draw.h - the draw list: one frame of the timeline as plain data.
 *
 * Layout code (layout.c, overlay.c) appends filled rectangles (optionally
 * hatched), outlines, lines, triangles, text and clip changes; a backend
 * (backend_sdl.c for pixels, svg.c for vectors) replays them in order, so
 * the window, the PNG and the SVG all show the same picture.
 *
 * Invariant: coordinates are integer device pixels; every string a command
 * refers to lives in the list's own text arena until the list is reset. An
 * allocation failure is sticky (`oom`) and later appends do nothing, so
 * builders check once at the end.
 */
#ifndef GILSIM_DRAW_H
#define GILSIM_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

typedef struct RColor {
    uint8_t r, g, b, a;
} RColor;

typedef struct RRect {
    int x, y, w, h;
} RRect;

/* Fill patterns drawn over a rectangle's colour, so that a state still
 * reads in a grey-scale printout. The period scales with the device. */
typedef enum RHatch {
    R_HATCH_NONE = 0,
    R_HATCH_DIAG,     /* //// */
    R_HATCH_BACKDIAG, /* \\\\ */
    R_HATCH_CROSS,    /* xxxx */
    R_HATCH_HORIZ,    /* ==== */
    R_HATCH_VERT,     /* |||| */
    R_HATCH_DOTS,     /* .... */
    R_HATCH_GRID,     /* ++++ */
    R_HATCH_COUNT
} RHatch;

typedef enum RFont { R_FONT_REGULAR = 0, R_FONT_BOLD, R_FONT_MONO, R_FONT_COUNT } RFont;

typedef enum RAlign { R_ALIGN_LEFT = 0, R_ALIGN_CENTER, R_ALIGN_RIGHT } RAlign;

typedef enum RCmdKind {
    R_CMD_RECT = 0, /* filled rect, optional hatch on top */
    R_CMD_FRAME,    /* rectangle outline `size` px thick, inside the rect */
    R_CMD_LINE,     /* segment `size` px thick */
    R_CMD_TRI,      /* filled triangle */
    R_CMD_TEXT,     /* one line of UTF-8 text, vertically centred on y */
    R_CMD_CLIP,     /* clip later commands to rect; w < 0 removes the clip */
} RCmdKind;

typedef struct RCmd {
    uint8_t kind;  /* RCmdKind */
    uint8_t hatch; /* RECT: RHatch */
    uint8_t font;  /* TEXT: RFont */
    uint8_t align; /* TEXT: RAlign (x is the left edge, centre or right edge) */
    int16_t size;  /* TEXT: pixel size; FRAME/LINE: thickness; RECT: hatch period */
    RColor color;  /* fill, stroke or text colour */
    RColor color2; /* RECT: hatch colour */
    union {
        RRect rect; /* RECT, FRAME, CLIP */
        struct {
            int x0, y0, x1, y1;
        } line;
        struct {
            int x[3], y[3];
        } tri;
        struct {
            int x, y;     /* anchor (see align) and vertical centre */
            uint32_t off; /* into the text arena, NUL-terminated */
            uint32_t len; /* bytes, without the NUL */
        } text;
    } u;
} RCmd;

typedef struct DrawList {
    RCmd *cmds;
    size_t n, cap;
    StrBuf text;  /* the texts of TEXT commands, each NUL-terminated */
    RColor clear; /* background the backend clears to before replaying */
    int width, height;
    bool oom;
    /* What the picture is, for formats that say it in words (SVG <title>
     * and <desc>): 1 + the offset into text, 0 when not set (so a
     * zeroed list has neither). */
    size_t title_at, desc_at;
} DrawList;

void draw_list_init(DrawList *dl);
void draw_list_reset(DrawList *dl); /* keeps the buffers */
void draw_list_free(DrawList *dl);

/* Names the picture (title) and says what it shows (desc, e.g. the
 * provenance caption whole); either may be NULL. Copied. */
void draw_list_set_meta(DrawList *dl, const char *title, const char *desc);
static inline const char *draw_list_title(const DrawList *dl)
{
    return dl->title_at ? dl->text.s + dl->title_at - 1 : NULL;
}
static inline const char *draw_list_desc(const DrawList *dl)
{
    return dl->desc_at ? dl->text.s + dl->desc_at - 1 : NULL;
}

/* The text of a TEXT command. */
static inline const char *draw_text_of(const DrawList *dl, const RCmd *c)
{
    return dl->text.s + c->u.text.off;
}

void draw_rect(DrawList *dl, RRect r, RColor c);
void draw_rect_hatched(DrawList *dl, RRect r, RColor fill, RHatch h, RColor hatch, int period);
void draw_frame(DrawList *dl, RRect r, RColor c, int thickness);
void draw_line(DrawList *dl, int x0, int y0, int x1, int y1, RColor c, int thickness);
void draw_tri(DrawList *dl, int x0, int y0, int x1, int y1, int x2, int y2, RColor c);
void draw_text(DrawList *dl, int x, int y, const char *s, RFont f, int size, RAlign a, RColor c);
void draw_textf(DrawList *dl, int x, int y, RFont f, int size, RAlign a, RColor c,
                const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void draw_clip(DrawList *dl, RRect r);
void draw_unclip(DrawList *dl);

/* Appends src's commands to dl, moved by (dx, dy) (stacked frames). */
void draw_list_append(DrawList *dl, const DrawList *src, int dx, int dy);

/* Counts commands of one kind (tests and benchmarks). */
size_t draw_list_count(const DrawList *dl, RCmdKind k);

static inline RColor rgba(uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
    return (RColor){r, g, b, a};
}

static inline RRect rrect(int x, int y, int w, int h)
{
    return (RRect){x, y, w, h};
}

static inline bool rrect_contains(RRect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

#endif /* GILSIM_DRAW_H */
