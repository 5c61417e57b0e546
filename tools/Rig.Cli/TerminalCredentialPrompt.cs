using System;
using System.Text;
using Rig.Provisioning.Flashing;
using Rig.Recording.Link;

namespace Rig.Cli;

/// <summary>Asks for the MQTT login on the terminal without echoing either value; the password is typed twice, a typo would lock the device out.</summary>
internal sealed class TerminalCredentialPrompt : ICredentialPrompt
{
    public bool CanAsk => !Console.IsInputRedirected;

    public MqttCredentials? Ask()
    {
        string user = ReadHidden("MQTT user name for the device (not shown; empty: no login): ");
        if (user.Length == 0)
        {
            return null;
        }

        while (true)
        {
            string password = ReadHidden("MQTT password (not shown): ");
            if (ReadHidden("MQTT password again: ") == password)
            {
                return new MqttCredentials(user, password);
            }

            Console.Error.WriteLine("the two passwords differ; again");
        }
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
