/*
 * text.c - fonts and text for the SDL backend: finds the bundled DejaVu
 * fonts, opens them at the pixel sizes a frame asks for, measures strings
 * for the layout and draws them from a texture cache.
 *
 * Glyph runs are rendered once, white, with SDL2_ttf's blended (anti-
 * aliased) mode and tinted at draw time with a colour modulation, so the
 * cache key is (font, size, string) and colour changes cost nothing.
 *
 * Invariant: a cached texture belongs to the renderer the RText was made
 * for; entries not used for EVICT_AGE frames are released once the table
 * is three quarters full, so memory stays bounded however long the viewer
 * runs.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "SDL_ttf.h"

#include "datadir.h"
#include "render.h"

#define MAX_FONTS 48
#define CACHE_SLOTS 4096 /* power of two */
#define EVICT_AGE 90

static const char *const font_files[R_FONT_COUNT] = {
    [R_FONT_REGULAR] = "DejaVuSans.ttf",
    [R_FONT_BOLD] = "DejaVuSans-Bold.ttf",
    [R_FONT_MONO] = "DejaVuSansMono.ttf",
};

typedef struct FontSlot {
    TTF_Font *font;
    uint8_t face;
    int size;
    unsigned last_used;
} FontSlot;

typedef struct CacheEntry {
    uint64_t hash;     /* 0: empty */
    char *s;
    uint8_t face;
    int size;
    SDL_Texture *tex;
    int w, h;
    unsigned last_used;
} CacheEntry;

struct RText {
    SDL_Renderer *rend;
    char *paths[R_FONT_COUNT];
    FontSlot fonts[MAX_FONTS];
    int n_fonts;
    CacheEntry *cache;
    int cache_used;
    unsigned frame;
    bool ttf_inited;
};

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *render_assets_dir(void)
{
    static char found[PATH_MAX];
    if (!found[0]) {
        char *d = render_data_find_dir(R_DATA_FONTS, font_files[R_FONT_REGULAR]);
        if (d && strlen(d) < sizeof(found))
            memcpy(found, d, strlen(d) + 1);
        free(d);
    }
    return found[0] ? found : NULL;
}

RText *render_text_create(SDL_Renderer *rend, SimError *err)
{
    const char *dir = render_assets_dir();
    if (!dir) {
        sim_error_set(err, SIM_ERR_IO,
                      "cannot find the font %s (installed with gilsim under share/gilsim/fonts, "
                      "or Debian's fonts-dejavu-core); set GILSIM_ASSETS to a folder that holds it",
                      font_files[R_FONT_REGULAR]);
        return NULL;
    }
    RText *tx = calloc(1, sizeof(*tx));
    if (!tx) {
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory for the text cache");
        return NULL;
    }
    tx->rend = rend;
    if (!TTF_WasInit()) {
        if (TTF_Init() < 0) {
            sim_error_set(err, SIM_ERR_IO, "cannot start SDL_ttf: %s", TTF_GetError());
            free(tx);
            return NULL;
        }
        tx->ttf_inited = true;
    }
    for (int f = 0; f < R_FONT_COUNT; f++) {
        char p[PATH_MAX];
        /* Each face from the regular one's folder, else wherever it is
         * found (Fedora keeps the mono family apart), else the regular. */
        snprintf(p, sizeof(p), "%s/%s", dir, font_files[f]);
        if (!file_exists(p)) {
            char *other = render_data_find_dir(R_DATA_FONTS, font_files[f]);
            snprintf(p, sizeof(p), "%s/%s", other ? other : dir,
                     other ? font_files[f] : font_files[R_FONT_REGULAR]);
            free(other);
        }
        tx->paths[f] = strdup(p);
        if (!tx->paths[f]) {
            render_text_destroy(tx);
            sim_error_set(err, SIM_ERR_NOMEM, "out of memory for font paths");
            return NULL;
        }
    }
    tx->cache = calloc(CACHE_SLOTS, sizeof(*tx->cache));
    if (!tx->cache) {
        render_text_destroy(tx);
        sim_error_set(err, SIM_ERR_NOMEM, "out of memory for the text cache");
        return NULL;
    }
    /* Open the regular face once now, so a broken font fails here. */
    TTF_Font *probe = TTF_OpenFont(tx->paths[R_FONT_REGULAR], 12);
    if (!probe) {
        sim_error_set(err, SIM_ERR_IO, "cannot load font %s: %s", tx->paths[R_FONT_REGULAR],
                      TTF_GetError());
        render_text_destroy(tx);
        return NULL;
    }
    TTF_CloseFont(probe);
    return tx;
}

static void cache_clear(RText *tx, bool all)
{
    if (!tx->cache)
        return;
    /* Rebuild the table from the entries kept: open addressing cannot
     * simply delete. */
    CacheEntry *old = tx->cache;
    CacheEntry *fresh = calloc(CACHE_SLOTS, sizeof(*fresh));
    if (!fresh)
        all = true;
    tx->cache_used = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        CacheEntry *e = &old[i];
        if (!e->hash)
            continue;
        bool keep = !all && tx->frame - e->last_used < EVICT_AGE;
        if (!keep) {
            if (e->tex)
                SDL_DestroyTexture(e->tex);
            free(e->s);
            continue;
        }
        unsigned k = (unsigned)e->hash & (CACHE_SLOTS - 1);
        while (fresh[k].hash)
            k = (k + 1) & (CACHE_SLOTS - 1);
        fresh[k] = *e;
        tx->cache_used++;
    }
    if (fresh) {
        free(old);
        tx->cache = fresh;
    } else {
        memset(old, 0, CACHE_SLOTS * sizeof(*old));
    }
}

void render_text_destroy(RText *tx)
{
    if (!tx)
        return;
    cache_clear(tx, true);
    free(tx->cache);
    for (int i = 0; i < tx->n_fonts; i++)
        TTF_CloseFont(tx->fonts[i].font);
    for (int f = 0; f < R_FONT_COUNT; f++)
        free(tx->paths[f]);
    if (tx->ttf_inited)
        TTF_Quit();
    free(tx);
}

static TTF_Font *font_at(RText *tx, RFont face, int size)
{
    if (size < 4)
        size = 4;
    if (size > 1000)
        size = 1000;
    if ((unsigned)face >= R_FONT_COUNT)
        face = R_FONT_REGULAR;
    for (int i = 0; i < tx->n_fonts; i++) {
        if (tx->fonts[i].face == face && tx->fonts[i].size == size) {
            tx->fonts[i].last_used = tx->frame;
            return tx->fonts[i].font;
        }
    }
    TTF_Font *f = TTF_OpenFont(tx->paths[face], size);
    if (!f)
        return NULL;
    TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
    int slot = tx->n_fonts;
    if (slot == MAX_FONTS) {
        /* Close the least recently used size. Cached textures stay valid. */
        slot = 0;
        for (int i = 1; i < MAX_FONTS; i++)
            if (tx->fonts[i].last_used < tx->fonts[slot].last_used)
                slot = i;
        TTF_CloseFont(tx->fonts[slot].font);
    } else {
        tx->n_fonts++;
    }
    tx->fonts[slot] = (FontSlot){f, (uint8_t)face, size, tx->frame};
    return f;
}

int render_text_width(void *ud, RFont f, int size_px, const char *s)
{
    RText *tx = ud;
    TTF_Font *font = font_at(tx, f, size_px);
    int w = 0, h = 0;
    if (!font || !s || !*s || TTF_SizeUTF8(font, s, &w, &h) < 0)
        return s ? (int)strlen(s) * size_px * 6 / 10 : 0;
    return w;
}

RTextMetrics render_text_metrics(RText *tx)
{
    return (RTextMetrics){render_text_width, tx};
}

static uint64_t hash_key(const char *s, RFont f, int size)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= (uint64_t)f * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t)size << 40;
    h *= 1099511628211ULL;
    return h ? h : 1;
}

static CacheEntry *cache_get(RText *tx, const char *s, RFont f, int size)
{
    uint64_t h = hash_key(s, f, size);
    unsigned k = (unsigned)h & (CACHE_SLOTS - 1);
    while (tx->cache[k].hash) {
        CacheEntry *e = &tx->cache[k];
        if (e->hash == h && e->face == f && e->size == size && strcmp(e->s, s) == 0) {
            e->last_used = tx->frame;
            return e;
        }
        k = (k + 1) & (CACHE_SLOTS - 1);
    }
    if (tx->cache_used >= CACHE_SLOTS * 3 / 4) {
        cache_clear(tx, false);
        if (tx->cache_used >= CACHE_SLOTS * 3 / 4)
            cache_clear(tx, true);
        return cache_get(tx, s, f, size);
    }
    TTF_Font *font = font_at(tx, f, size);
    if (!font)
        return NULL;
    SDL_Surface *surf = TTF_RenderUTF8_Blended(font, s, (SDL_Color){255, 255, 255, 255});
    if (!surf)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(tx->rend, surf);
    int w = surf->w, hh = surf->h;
    SDL_FreeSurface(surf);
    if (!tex)
        return NULL;
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    char *copy = strdup(s);
    if (!copy) {
        SDL_DestroyTexture(tex);
        return NULL;
    }
    CacheEntry *e = &tx->cache[k];
    *e = (CacheEntry){h, copy, (uint8_t)f, size, tex, w, hh, tx->frame};
    tx->cache_used++;
    return e;
}

SDL_Texture *render_text_texture(RText *tx, const char *s, RFont f, int size_px, int *w, int *h)
{
    if (!tx->rend || !s || !*s)
        return NULL;
    CacheEntry *e = cache_get(tx, s, f, size_px);
    if (!e)
        return NULL;
    *w = e->w;
    *h = e->h;
    return e->tex;
}

void render_text_frame_end(RText *tx)
{
    tx->frame++;
}
