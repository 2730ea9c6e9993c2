namespace Lifeboat.Cli;

/// <summary>
/// What the command reads of the machine it runs on: the OS user, environment variables, where
/// configuration lives, the terminal. One place, so tests can run the command as another OS user or
/// with another token without changing the process they run in.
/// </summary>
internal sealed class CliEnvironment
{
    public static CliEnvironment Process { get; } = new(
        Environment.UserName,
        Environment.GetEnvironmentVariable,
        Console.Error,
        interactive: !Console.IsInputRedirected && !Console.IsErrorRedirected);

    public CliEnvironment(string osUser, Func<string, string?> variables, TextWriter error, bool interactive = false)
    {
        OsUser = osUser;
        Variables = variables;
        Error = error;
        Interactive = interactive;
    }

    /// <summary>The OS user running the command: in local mode it maps to an operator.</summary>
    public string OsUser { get; }

    public Func<string, string?> Variables { get; }

    /// <summary>Where notes that are not the command's output go (stderr), so a pipe reads only the output.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether a person is at a terminal to answer a prompt (login and password).</summary>
    public bool Interactive { get; }

    /// <summary>Answers a prompt; the password's echo is off. Only when <see cref="Interactive"/>.</summary>
    public Func<string, bool, string?> Ask { get; init; } = (prompt, secret) =>
    {
        Console.Error.Write(prompt);
        if (!secret)
        {
            return Console.ReadLine();
        }

        var typed = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return typed.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }
    };

    public string? Variable(string name) => Variables(name) is { Length: > 0 } value ? value : null;

    /// <summary>$XDG_CONFIG_HOME/lifeboat, or ~/.config/lifeboat.</summary>
    public string ConfigFolder => Path.Combine(
        Variable("XDG_CONFIG_HOME") ?? Path.Combine(Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
        "lifeboat");
}
