//-----------------------------------------------------------------------------
//
//    Laid out as nanoFramework's MetadataProcessor generates the stubs of an interop assembly
//    (assembly Rig.Firmware.Esp32.Native, class Rig.Firmware.Esp32.Native.NativeCapture).
//    NOT COMPILED on the CI machines (no nf-interpreter/ESP-IDF) and UNTESTED ON HARDWARE.
//    Regenerate with the .nfproj's stub generation and diff before a release: docs/capture.md.
//
//-----------------------------------------------------------------------------

#ifndef _RIG_FIRMWARE_ESP32_NATIVE_H_
#define _RIG_FIRMWARE_ESP32_NATIVE_H_

#include <nanoCLR_Interop.h>
#include <nanoCLR_Runtime.h>
#include <nanoPackStruct.h>

struct Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture
{
    static const int RecordBytes = 24;

    NANOCLR_NATIVE_DECLARE(ConfigureInput___STATIC__I4__U1__U1__I4__U4);
    NANOCLR_NATIVE_DECLARE(ConfigureEncoder___STATIC__I4__I4__I4__U4);
    NANOCLR_NATIVE_DECLARE(ConfigureValve___STATIC__I4__U1__I4__U4);
    NANOCLR_NATIVE_DECLARE(ConfigureTone___STATIC__I4__I4);
    NANOCLR_NATIVE_DECLARE(ConfigureOutput___STATIC__I4__U1__I4);
    NANOCLR_NATIVE_DECLARE(Start___STATIC__I4);
    NANOCLR_NATIVE_DECLARE(Drain___STATIC__I4__SZARRAY_U1__I4);
    NANOCLR_NATIVE_DECLARE(Overflows___STATIC__U4);
    NANOCLR_NATIVE_DECLARE(NowMicros___STATIC__U8);
    NANOCLR_NATIVE_DECLARE(EncoderCount___STATIC__I8);
    NANOCLR_NATIVE_DECLARE(PulseValve___STATIC__I4__U1__U4);
    NANOCLR_NATIVE_DECLARE(CloseValve___STATIC__VOID__U1);
    NANOCLR_NATIVE_DECLARE(IsValveOpen___STATIC__BOOLEAN__U1);
    NANOCLR_NATIVE_DECLARE(ArmReward___STATIC__I4__U1__U8__U8__U4);
    NANOCLR_NATIVE_DECLARE(Disarm___STATIC__VOID);
    NANOCLR_NATIVE_DECLARE(PlayTone___STATIC__I4__U2__U4);
    NANOCLR_NATIVE_DECLARE(StopTone___STATIC__VOID);
    NANOCLR_NATIVE_DECLARE(SetOutput___STATIC__I4__U1__U1);
    NANOCLR_NATIVE_DECLARE(ConfigureLick___STATIC__I4__U1__U4__U4);

    //--//

};

extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_Rig_Firmware_Esp32_Native;

#endif  //_RIG_FIRMWARE_ESP32_NATIVE_H_
