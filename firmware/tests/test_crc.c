#include "check.h"
#include "crc.h"

int main(void)
{
    const uint8_t *check = (const uint8_t *)"123456789";
    CHECK(crc16_ccitt(check, 9) == 0x29B1); /* the CRC-16/CCITT-FALSE check value */
    CHECK(crc16_ccitt(check, 0) == 0xFFFF);
    CHECK(crc16_ccitt_update(crc16_ccitt(check, 4), check + 4, 5) == 0x29B1);
    CHECK(crc32_ieee(check, 9) == 0xCBF43926u); /* the CRC-32 check value */
    CHECK(crc32_ieee(check, 0) == 0x00000000u);
    CHECK(fnv1a32_update(FNV1A32_INIT, check, 0) == 0x811C9DC5u);
    CHECK(fnv1a32_update(FNV1A32_INIT, (const uint8_t *)"a", 1) == 0xE40C292Cu);
    CHECK(fnv1a32_update(FNV1A32_INIT, (const uint8_t *)"foobar", 6) == 0xBF9CF968u);
    return check_report("crc");
}
