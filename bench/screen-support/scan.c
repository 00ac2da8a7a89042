/* Times one Hyperscan block-mode scan of a file, in 256 KiB blocks, with the expressions that
 * waka-diag's line screen compiles. The expression file has one expression a line: id, kind and
 * pattern, separated by tabs. Kind S is a screen regex, P a rule pattern in prefilter mode and
 * K a key screen in prefilter and caseless mode. Prints the time and matches of each expression
 * alone (unless the third argument is "all"), then of all of them in one database, which is
 * what waka-diag scans.
 *
 * usage: scan EXPRESSIONS FILE [all] */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { maximum_expressions = 256, block_bytes = 256 * 1024 };

static long match_count;

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *context) {
    match_count++;
    return 0;
}

static double seconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec * 1e-9;
}

static void time_scan(const char **patterns, unsigned *flags, unsigned *ids, int count, const char *label,
                      const char *text, size_t size) {
    hs_database_t *database;
    hs_compile_error_t *error;
    if (hs_compile_multi(patterns, flags, ids, count, HS_MODE_BLOCK, NULL, &database, &error) != HS_SUCCESS) {
        printf("%-28s cannot compile: %s\n", label, error->message);
        hs_free_compile_error(error);
        return;
    }
    hs_scratch_t *scratch = NULL;
    hs_alloc_scratch(database, &scratch);
    match_count = 0;
    double started = seconds_now();
    for (size_t offset = 0; offset < size; offset += block_bytes) {
        size_t length = size - offset < block_bytes ? size - offset : block_bytes;
        hs_scan(database, text + offset, length, 0, scratch, on_match, NULL);
    }
    double elapsed = seconds_now() - started;
    printf("%-28s %7.3f s %8.0f MB/s %9ld matches\n", label, elapsed, size / elapsed / 1e6, match_count);
    hs_free_scratch(scratch);
    hs_free_database(database);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: scan EXPRESSIONS FILE [all]\n");
        return 64;
    }
    FILE *input = fopen(argv[2], "rb");
    if (!input) {
        perror(argv[2]);
        return 66;
    }
    fseek(input, 0, SEEK_END);
    size_t size = ftell(input);
    fseek(input, 0, SEEK_SET);
    char *text = malloc(size);
    if (fread(text, 1, size, input) != size) {
        perror(argv[2]);
        return 74;
    }
    fclose(input);

    FILE *list = fopen(argv[1], "r");
    if (!list) {
        perror(argv[1]);
        return 66;
    }
    static char line[65536];
    const char *patterns[maximum_expressions];
    char *names[maximum_expressions];
    unsigned flags[maximum_expressions], ids[maximum_expressions];
    int count = 0;
    while (count < maximum_expressions && fgets(line, sizeof line, list)) {
        line[strcspn(line, "\n")] = 0;
        char *name = strtok(line, "\t"), *kind = strtok(NULL, "\t"), *pattern = strtok(NULL, "");
        if (!name || !kind || !pattern) continue;
        names[count] = strdup(name);
        patterns[count] = strdup(pattern);
        flags[count] = HS_FLAG_ALLOWEMPTY | HS_FLAG_MULTILINE | (kind[0] != 'S' ? HS_FLAG_PREFILTER : 0)
                       | (kind[0] == 'K' ? HS_FLAG_CASELESS : 0);
        ids[count] = count;
        count++;
    }
    fclose(list);

    if (argc < 4 || strcmp(argv[3], "all") != 0) {
        for (int index = 0; index < count; index++) {
            char label[128];
            snprintf(label, sizeof label, "%d %s", index, names[index]);
            time_scan(&patterns[index], &flags[index], &ids[index], 1, label, text, size);
        }
    }
    time_scan(patterns, flags, ids, count, "all in one database", text, size);
    return 0;
}
