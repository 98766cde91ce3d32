/* MQTT commands {"id":..,"type":..,"params":{..}} and their acks on devices/<id>/acks. */
#ifndef COMMANDS_H
#define COMMANDS_H

#include <stddef.h>

void commands_handle(const char *data, size_t len);

#endif
