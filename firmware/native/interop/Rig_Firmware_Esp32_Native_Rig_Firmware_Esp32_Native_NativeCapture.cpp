//-----------------------------------------------------------------------------
//
//    The NativeCapture stubs: each one calls the ESP-IDF port (port/esp32/rig_capture_port.c), which calls
//    the portable core. No logic here beyond argument checks the port cannot do (buffer sizes).
//    NOT COMPILED on the CI machines (no nf-interpreter/ESP-IDF); UNTESTED ON HARDWARE.
//
//-----------------------------------------------------------------------------

#include "Rig_Firmware_Esp32_Native.h"
#include "Rig_Firmware_Esp32_Native_Rig_Firmware_Esp32_Native_NativeCapture.h"

#include "rig_capture_port.h"

using namespace Rig_Firmware_Esp32_Native::Rig_Firmware_Esp32_Native;

signed int NativeCapture::ConfigureInput( uint8_t param0, uint8_t param1, signed int param2, unsigned int param3, HRESULT &hr )
{
    (void)hr;
    return rcp_configure_input( param0, param1, param2, param3 );
}

signed int NativeCapture::ConfigureEncoder( signed int param0, signed int param1, unsigned int param2, HRESULT &hr )
{
    (void)hr;
    return rcp_configure_encoder( param0, param1, param2 );
}

signed int NativeCapture::ConfigureValve( uint8_t param0, signed int param1, unsigned int param2, HRESULT &hr )
{
    (void)hr;
    return rcp_configure_valve( param0, param1, param2 );
}

signed int NativeCapture::ConfigureTone( signed int param0, HRESULT &hr )
{
    (void)hr;
    return rcp_configure_tone( param0 );
}

signed int NativeCapture::ConfigureOutput( uint8_t param0, signed int param1, HRESULT &hr )
{
    (void)hr;
    return rcp_configure_output( param0, param1 );
}

signed int NativeCapture::Start( HRESULT &hr )
{
    (void)hr;
    return rcp_start();
}

signed int NativeCapture::Drain( CLR_RT_TypedArray_UINT8 param0, signed int param1, HRESULT &hr )
{
    (void)hr;
    // One call moves a whole batch into the caller's preallocated array: no managed allocation per record.
    if ( param1 < 0 )
    {
        return RC_E_INVALID;
    }
    return rcp_drain( param0.GetBuffer(), param0.GetSize(), param1 );
}

unsigned int NativeCapture::Overflows( HRESULT &hr )
{
    (void)hr;
    return rcp_overflows();
}

unsigned __int64 NativeCapture::NowMicros( HRESULT &hr )
{
    (void)hr;
    return rcp_now_us();
}

signed __int64 NativeCapture::EncoderCount( HRESULT &hr )
{
    (void)hr;
    return rcp_encoder_count();
}

signed int NativeCapture::PulseValve( uint8_t param0, unsigned int param1, HRESULT &hr )
{
    (void)hr;
    return rcp_pulse_valve( param0, param1 );
}

void NativeCapture::CloseValve( uint8_t param0, HRESULT &hr )
{
    (void)hr;
    rcp_close_valve( param0 );
}

bool NativeCapture::IsValveOpen( uint8_t param0, HRESULT &hr )
{
    (void)hr;
    return rcp_is_valve_open( param0 );
}

signed int NativeCapture::ArmReward( uint8_t param0, unsigned __int64 param1, unsigned __int64 param2, unsigned int param3, HRESULT &hr )
{
    (void)hr;
    return rcp_arm_reward( param0, param1, param2, param3 );
}

void NativeCapture::Disarm( HRESULT &hr )
{
    (void)hr;
    rcp_disarm();
}

signed int NativeCapture::PlayTone( uint16_t param0, unsigned int param1, HRESULT &hr )
{
    (void)hr;
    return rcp_play_tone( param0, param1 );
}

void NativeCapture::StopTone( HRESULT &hr )
{
    (void)hr;
    rcp_stop_tone();
}

signed int NativeCapture::SetOutput( uint8_t param0, uint8_t param1, HRESULT &hr )
{
    (void)hr;
    return rcp_set_output( param0, param1 );
}

signed int NativeCapture::ConfigureLick( uint8_t param0, unsigned int param1, unsigned int param2, HRESULT &hr )
{
    (void)hr;
    return rcp_configure_lick( param0, param1, param2 );
}
