//-----------------------------------------------------------------------------
//
//    Method lookup table of the interop assembly Rig.Firmware.Esp32.Native, one entry per method definition
//    in metadata order (NativeCapture.cs declares exactly these 19 methods and no constructor).
//    NOT COMPILED on the CI machines; UNTESTED ON HARDWARE.
//
//    The checksum below is a placeholder: the real value is the native-methods checksum MetadataProcessor
//    computes from the built assembly (the .nfproj's generated Stubs/Rig_Firmware_Esp32_Native.cpp).
//    The nanoCLR refuses to bind an assembly whose checksum differs, so copy it from there (docs/capture.md).
//
//-----------------------------------------------------------------------------

#include "Rig_Firmware_Esp32_Native.h"

// clang-format off

static const CLR_RT_MethodHandler method_lookup[] =
{
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ConfigureInput___STATIC__I4__U1__U1__I4__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ConfigureEncoder___STATIC__I4__I4__I4__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ConfigureValve___STATIC__I4__U1__I4__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ConfigureTone___STATIC__I4__I4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ConfigureOutput___STATIC__I4__U1__I4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::Start___STATIC__I4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::Drain___STATIC__I4__SZARRAY_U1__I4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::Overflows___STATIC__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::NowMicros___STATIC__U8,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::EncoderCount___STATIC__I8,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::PulseValve___STATIC__I4__U1__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::CloseValve___STATIC__VOID__U1,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::IsValveOpen___STATIC__BOOLEAN__U1,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ArmReward___STATIC__I4__U1__U8__U8__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::Disarm___STATIC__VOID,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::PlayTone___STATIC__I4__U2__U4,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::StopTone___STATIC__VOID,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::SetOutput___STATIC__I4__U1__U1,
    Library_Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture::ConfigureLick___STATIC__I4__U1__U4__U4,
};

const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_Rig_Firmware_Esp32_Native =
{
    "Rig.Firmware.Esp32.Native",
    0x00000000, // placeholder: the generated checksum goes here
    method_lookup,
    { 1, 0, 0, 0 }
};

// clang-format on
