/*
 * draw.c - the draw list's growable command and text buffers.
 *
 * Invariant: cmds[0..n) and text.s[0..text.n) are valid; a failed growth
 * sets `oom` and leaves both as they were, so a partly built frame is never
 * replayed with dangling text offsets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

void draw_list_init(DrawList *dl)
{
    memset(dl, 0, sizeof(*dl));
}

void draw_list_reset(DrawList *dl)
{
    dl->n = 0;
    strbuf_reset(&dl->text);
    dl->oom = false;
    dl->title_at = dl->desc_at = 0;
}

void draw_list_free(DrawList *dl)
{
    free(dl->cmds);
    strbuf_fini(&dl->text);
    memset(dl, 0, sizeof(*dl));
}

static RCmd *push(DrawList *dl, RCmdKind kind)
{
    if (dl->oom)
        return NULL;
    if (dl->n == dl->cap) {
        size_t ncap = dl->cap ? dl->cap * 2 : 1024;
        RCmd *nc = realloc(dl->cmds, ncap * sizeof(*nc));
        if (!nc) {
            dl->oom = true;
            return NULL;
        }
        dl->cmds = nc;
        dl->cap = ncap;
    }
    RCmd *c = &dl->cmds[dl->n++];
    memset(c, 0, sizeof(*c));
    c->kind = (uint8_t)kind;
    return c;
}

/* Copies s into the arena, NUL-terminated; returns its offset or -1. */
static long arena_add(DrawList *dl, const char *s, size_t len)
{
    if (dl->oom)
        return -1;
    if (len > UINT32_MAX / 2)
        len = UINT32_MAX / 2;
    size_t off = dl->text.n;
    char *p = strbuf_reserve(&dl->text, len + 1);
    if (!p) {
        dl->oom = true;
        return -1;
    }
    memcpy(p, s, len);
    p[len] = '\0';
    strbuf_commit(&dl->text, len + 1);
    return (long)off;
}

void draw_list_set_meta(DrawList *dl, const char *title, const char *desc)
{
    long t = title && *title ? arena_add(dl, title, strlen(title)) : -1;
    long d = desc && *desc ? arena_add(dl, desc, strlen(desc)) : -1;
    dl->title_at = t >= 0 ? (size_t)t + 1 : 0;
    dl->desc_at = d >= 0 ? (size_t)d + 1 : 0;
}

void draw_rect(DrawList *dl, RRect r, RColor c)
{
    if (r.w <= 0 || r.h <= 0 || c.a == 0)
        return;
    RCmd *cmd = push(dl, R_CMD_RECT);
    if (cmd) {
        cmd->u.rect = r;
        cmd->color = c;
    }
}

void draw_rect_hatched(DrawList *dl, RRect r, RColor fill, RHatch h, RColor hatch, int period)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    RCmd *cmd = push(dl, R_CMD_RECT);
    if (cmd) {
        cmd->u.rect = r;
        cmd->color = fill;
        cmd->hatch = (uint8_t)h;
        cmd->color2 = hatch;
        cmd->size = (int16_t)(period < 2 ? 2 : period > 64 ? 64 : period);
    }
}

void draw_frame(DrawList *dl, RRect r, RColor c, int thickness)
{
    if (r.w <= 0 || r.h <= 0 || c.a == 0)
        return;
    RCmd *cmd = push(dl, R_CMD_FRAME);
    if (cmd) {
        cmd->u.rect = r;
        cmd->color = c;
        cmd->size = (int16_t)(thickness < 1 ? 1 : thickness);
    }
}

void draw_line(DrawList *dl, int x0, int y0, int x1, int y1, RColor c, int thickness)
{
    if (c.a == 0)
        return;
    RCmd *cmd = push(dl, R_CMD_LINE);
    if (cmd) {
        cmd->u.line.x0 = x0;
        cmd->u.line.y0 = y0;
        cmd->u.line.x1 = x1;
        cmd->u.line.y1 = y1;
        cmd->color = c;
        cmd->size = (int16_t)(thickness < 1 ? 1 : thickness);
    }
}

void draw_tri(DrawList *dl, int x0, int y0, int x1, int y1, int x2, int y2, RColor c)
{
    if (c.a == 0)
        return;
    RCmd *cmd = push(dl, R_CMD_TRI);
    if (cmd) {
        cmd->u.tri.x[0] = x0;
        cmd->u.tri.y[0] = y0;
        cmd->u.tri.x[1] = x1;
        cmd->u.tri.y[1] = y1;
        cmd->u.tri.x[2] = x2;
        cmd->u.tri.y[2] = y2;
        cmd->color = c;
    }
}

void draw_text(DrawList *dl, int x, int y, const char *s, RFont f, int size, RAlign a, RColor c)
{
    if (!s || !*s || c.a == 0 || size <= 0)
        return;
    size_t len = strlen(s);
    long off = arena_add(dl, s, len);
    if (off < 0)
        return;
    RCmd *cmd = push(dl, R_CMD_TEXT);
    if (cmd) {
        cmd->u.text.x = x;
        cmd->u.text.y = y;
        cmd->u.text.off = (uint32_t)off;
        cmd->u.text.len = (uint32_t)len;
        cmd->font = (uint8_t)f;
        cmd->align = (uint8_t)a;
        cmd->size = (int16_t)(size > 4000 ? 4000 : size);
        cmd->color = c;
    }
}

void draw_textf(DrawList *dl, int x, int y, RFont f, int size, RAlign a, RColor c, const char *fmt,
                ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    draw_text(dl, x, y, buf, f, size, a, c);
}

void draw_clip(DrawList *dl, RRect r)
{
    RCmd *cmd = push(dl, R_CMD_CLIP);
    if (cmd)
        cmd->u.rect = r;
}

void draw_unclip(DrawList *dl)
{
    RCmd *cmd = push(dl, R_CMD_CLIP);
    if (cmd)
        cmd->u.rect = (RRect){0, 0, -1, -1};
}

size_t draw_list_count(const DrawList *dl, RCmdKind k)
{
    size_t n = 0;
    for (size_t i = 0; i < dl->n; i++)
        n += dl->cmds[i].kind == k;
    return n;
}

void draw_list_append(DrawList *dl, const DrawList *src, int dx, int dy)
{
    for (size_t i = 0; i < src->n && !dl->oom; i++) {
        const RCmd *s = &src->cmds[i];
        RCmd *c = push(dl, (RCmdKind)s->kind);
        if (!c)
            return;
        *c = *s;
        switch (s->kind) {
        case R_CMD_RECT:
        case R_CMD_FRAME:
            c->u.rect.x += dx;
            c->u.rect.y += dy;
            break;
        case R_CMD_CLIP:
            if (s->u.rect.w >= 0) {
                c->u.rect.x += dx;
                c->u.rect.y += dy;
            }
            break;
        case R_CMD_LINE:
            c->u.line.x0 += dx;
            c->u.line.x1 += dx;
            c->u.line.y0 += dy;
            c->u.line.y1 += dy;
            break;
        case R_CMD_TRI:
            for (int k = 0; k < 3; k++) {
                c->u.tri.x[k] += dx;
                c->u.tri.y[k] += dy;
            }
            break;
        case R_CMD_TEXT: {
            c->u.text.x += dx;
            c->u.text.y += dy;
            long off = arena_add(dl, draw_text_of(src, s), s->u.text.len);
            if (off < 0) {
                dl->n--;
                return;
            }
            c->u.text.off = (uint32_t)off;
            break;
        }
        default:
            break;
        }
    }
}
