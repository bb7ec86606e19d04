/* log: leveled, single-line logs to stderr, tagged with the current
 * request id. */
#ifndef KANAL_LOG_H
#define KANAL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Set the minimum level written (default LOG_INFO). */
void log_set_level(enum log_level l);
/* Parse "debug|info|warn|error|off"; -1 when unknown. */
int log_parse_level(const char *s);
/* Set this thread's request id ("" to clear); copied. */
void log_set_request_id(const char *id);
const char *log_request_id(void);
void log_msg(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
