/* The console (USART1): line input, commands, the "> " prompt and asynchronous log lines. */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdint.h>

#define CLI_LINE_MAX 255

void cli_init(void);
void cli_feed(const uint8_t *data, size_t len);
void console_line(const char *text); /* text + CRLF */
void console_prompt(void);
/* Asynchronous line: ends an on-screen prompt's line first and prompts again after it. */
void console_log(const char *text);

#endif
