/*
 * The unit of work of the template benchmark (bench/lib/work.ts builds it): appends
 * "<unit> s <seconds.micros>" to $WORK_LOG, sleeps MS milliseconds, appends "<unit> e ...", exits 0.
 * A static C program starts in about 0.3 ms, so the time stamps show what the runner costs, not
 * what a shell costs to start. It runs as a script's interpreter (`#!/path/work 200` on the first
 * line, the script's path as its last argument, whose file name is the unit) or as a plain command.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void stamp(int fd, const char *unit, char kind) {
  struct timespec now;
  char line[512];
  clock_gettime(CLOCK_REALTIME, &now);
  int n = snprintf(line, sizeof line, "%s %c %lld.%06ld\n", unit, kind, (long long)now.tv_sec,
                   now.tv_nsec / 1000);
  if (n <= 0 || n >= (int)sizeof line || write(fd, line, (size_t)n) != n) _exit(70);
}

int main(int argc, char **argv) {
  const char *log = getenv("WORK_LOG");
  if (argc < 3 || log == NULL) {
    fprintf(stderr, "usage: WORK_LOG=file work MS UNIT-or-SCRIPT-PATH\n");
    return 2;
  }
  const char *slash = strrchr(argv[argc - 1], '/');
  const char *unit = slash ? slash + 1 : argv[argc - 1];
  int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd < 0) {
    perror(log);
    return 70;
  }
  stamp(fd, unit, 's');
  long ms = atol(argv[1]);
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0) {
  }
  stamp(fd, unit, 'e');
  return 0;
}
