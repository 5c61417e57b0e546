namespace Rig.Firmware.Esp32.Hardware
{
    using System;
    using System.Device.Gpio;

    /// <summary>
    /// The status LED, on managed GPIO: it shows link state to a person, so the tens of milliseconds a managed write
    /// can take do not matter, and it keeps the native module's tables for signals that need the microsecond.
    /// </summary>
    public sealed class StatusLed : IDisposable
    {
        private readonly GpioController _gpio;
        private readonly int _pin;
        private bool _on;

        public StatusLed(int pin)
        {
            _pin = pin;
            _gpio = new GpioController();
            _gpio.OpenPin(pin, PinMode.Output);
            _gpio.Write(pin, PinValue.Low);
        }

        public bool IsOn
        {
            get { return _on; }
        }

        /// <summary>Writes the pin only when the state changes, so the main loop can call this every iteration.</summary>
        public void Set(bool on)
        {
            if (on != _on)
            {
                _gpio.Write(_pin, on ? PinValue.High : PinValue.Low);
                _on = on;
            }
        }

        public void Dispose()
        {
            _gpio.Dispose();
        }
    }
}
