#ifndef CRC_H
#define CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection (stimulus frames). */
uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t *data, size_t len);
uint16_t crc16_ccitt(const uint8_t *data, size_t len);
/* CRC-32 (IEEE 802.3, reflected, as zlib): the config record. */
uint32_t crc32_ieee(const uint8_t *data, size_t len);
/* FNV-1a 32: the `infer` features fingerprint. */
uint32_t fnv1a32_update(uint32_t hash, const uint8_t *data, size_t len);
#define FNV1A32_INIT 0x811C9DC5u

#endif
