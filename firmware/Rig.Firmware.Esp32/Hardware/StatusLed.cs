namespace Rig.Firmware.Esp32.Hardware
{
    using System.Device.Gpio;

    /// <summary>
    /// The status LED, on managed GPIO: it shows link state to a person, so the tens of milliseconds a managed write
    /// can take do not matter, and it keeps the native module's tables for signals that need the microsecond.
    /// </summary>
    /// <remarks>
    /// Not disposable, on purpose: the controller lives as long as the device runs. A disposed GpioController can end in
    /// nanoCLR's CPU_GPIO_Uninitialize, which uninstalls ESP-IDF's shared GPIO interrupt service
    /// (gpio_uninstall_isr_service in nf-interpreter targets/ESP32/_nanoCLR/System.Device.Gpio/cpu_gpio.cpp);
    /// firmware/BannedSymbols.txt refuses GpioController.Dispose in the device sources.
    /// </remarks>
    // CA1001: the controller must outlive every capture interrupt, so it is never disposed (remarks above).
#pragma warning disable CA1001
    public sealed class StatusLed
#pragma warning restore CA1001
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
    }
}
