#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "model name : ..." from /proc/cpuinfo, or "unknown CPU". */
static void cpu_model(char *out, size_t outsz)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");

    snprintf(out, outsz, "unknown CPU");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(out, outsz, "%s", colon + 2);
            break;
        }
    }
    fclose(f);
}

void bench_print_machine(const char *name)
{
    struct utsname u;
    char cpu[128];

    cpu_model(cpu, sizeof(cpu));
    if (uname(&u) != 0)
        memset(&u, 0, sizeof(u));
    printf("%s on %s, %ld cores, %s %s %s\n", name, cpu, sysconf(_SC_NPROCESSORS_ONLN), u.sysname,
           u.release, u.machine);
}
