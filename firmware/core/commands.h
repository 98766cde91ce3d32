/* MQTT commands {"id":..,"type":..,"params":{..}} and their acks on devices/<id>/acks. */
#ifndef COMMANDS_H
#define COMMANDS_H

#include <stddef.h>

/* A command whose id was among the last few answered is not run again: its first answer is sent again. */
void commands_handle(const char *data, size_t len);
/* Forgets the answered commands (at boot). */
void commands_forget(void);

#endif
