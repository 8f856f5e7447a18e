/* Test scaffolding for running vaudit.exe under Wine 8, never shipped.
 *
 * Rust's std draws random numbers from ProcessPrng in bcryptprimitives.dll,
 * which every Windows since 10 has and Wine 8 lacks. This stub forwards it
 * to advapi32's SystemFunction036 (RtlGenRandom), which Wine has.
 * .ci/windows builds it with mingw into the test Wine prefix. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
