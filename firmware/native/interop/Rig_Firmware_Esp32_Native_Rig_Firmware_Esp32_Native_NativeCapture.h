//-----------------------------------------------------------------------------
//
//    Declaration of the NativeCapture stubs (MetadataProcessor "interop" layout): plain C++ functions with
//    marshalled arguments; the _mshl.cpp file unpacks the managed stack frame and calls them.
//    NOT COMPILED on the CI machines; UNTESTED ON HARDWARE.
//
//-----------------------------------------------------------------------------

#ifndef _RIG_FIRMWARE_ESP32_NATIVE_RIG_FIRMWARE_ESP32_NATIVE_RIG_FIRMWARE_ESP32_NATIVE_NATIVECAPTURE_H_
#define _RIG_FIRMWARE_ESP32_NATIVE_RIG_FIRMWARE_ESP32_NATIVE_RIG_FIRMWARE_ESP32_NATIVE_NATIVECAPTURE_H_

namespace Rig_Firmware_Esp32_Native
{
    namespace Rig_Firmware_Esp32_Native
    {
        struct NativeCapture
        {
            // Declaration of stubs. These functions are implemented by Interop code developers

            static signed int ConfigureInput( uint8_t param0, uint8_t param1, signed int param2, unsigned int param3, HRESULT &hr );
            static signed int ConfigureEncoder( signed int param0, signed int param1, unsigned int param2, HRESULT &hr );
            static signed int ConfigureValve( uint8_t param0, signed int param1, unsigned int param2, HRESULT &hr );
            static signed int ConfigureTone( signed int param0, HRESULT &hr );
            static signed int ConfigureOutput( uint8_t param0, signed int param1, HRESULT &hr );
            static signed int Start( HRESULT &hr );
            static signed int Drain( CLR_RT_TypedArray_UINT8 param0, signed int param1, HRESULT &hr );
            static unsigned int Overflows( HRESULT &hr );
            static unsigned __int64 NowMicros( HRESULT &hr );
            static signed __int64 EncoderCount( HRESULT &hr );
            static signed int PulseValve( uint8_t param0, unsigned int param1, HRESULT &hr );
            static void CloseValve( uint8_t param0, HRESULT &hr );
            static bool IsValveOpen( uint8_t param0, HRESULT &hr );
            static signed int ArmReward( uint8_t param0, unsigned __int64 param1, unsigned __int64 param2, unsigned int param3, HRESULT &hr );
            static void Disarm( HRESULT &hr );
            static signed int PlayTone( uint16_t param0, unsigned int param1, HRESULT &hr );
            static void StopTone( HRESULT &hr );
            static signed int SetOutput( uint8_t param0, uint8_t param1, HRESULT &hr );
            static signed int ConfigureLick( uint8_t param0, unsigned int param1, unsigned int param2, HRESULT &hr );
        };
    }
}

#endif //_RIG_FIRMWARE_ESP32_NATIVE_RIG_FIRMWARE_ESP32_NATIVE_RIG_FIRMWARE_ESP32_NATIVE_NATIVECAPTURE_H_
