using System.CommandLine;
using Lifeboat.Cli.Identity;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Backups.Sealing;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>What the backup commands share: where the backups are, opening the platform, and progress bars.</summary>
internal sealed class BackupCommandContext(GlobalOptions globals, Option<string?> folder, Option<string?> keyFile, IAnsiConsole console)
{
    public GlobalOptions Globals { get; } = globals;

    public IAnsiConsole Console { get; } = console;

    public string FolderOf(ParseResult parse) => Path.GetFullPath(parse.GetValue(folder) ?? Globals.HomeOf(parse).BackupDirectory);

    public BackupDirectory DirectoryOf(ParseResult parse) => new(FolderOf(parse), KeysOf(parse));

    /// <summary>The platform with this backup folder, acting as the principal, who must hold <paramref name="permission"/>.</summary>
    public Task<CliSession> OpenSessionAsync(Command command, ParseResult parse, string permission, CancellationToken ct, TimeSpan? retention = null) =>
        command.OpenSessionAsync(Globals, parse, permission, ct, new BackupOptions { Directory = FolderOf(parse), Retention = retention ?? TimeSpan.FromDays(30), Keys = KeysOf(parse) });

    /// <summary>The key file in use: --key-file, else LIFEBOAT_BACKUP_KEY_FILE, else &lt;home&gt;/backup.key; null when the keys come from LIFEBOAT_BACKUP_KEY.</summary>
    public string? KeyFileOf(ParseResult parse) =>
        parse.GetValue(keyFile) is { Length: > 0 } option ? Path.GetFullPath(option)
        : Environment.GetEnvironmentVariable("LIFEBOAT_BACKUP_KEY_FILE") is { Length: > 0 } variable ? Path.GetFullPath(variable)
        : Environment.GetEnvironmentVariable("LIFEBOAT_BACKUP_KEY") is { Length: > 0 } ? null
        : Path.Combine(Globals.HomeOf(parse).Path, "backup.key");

    /// <summary>
    /// The backup keys. A key file named explicitly must exist; the home's is created, owner-only, the
    /// first time it is needed, so backups need no set-up (and the key must then be kept apart from them).
    /// </summary>
    public BackupKeyring KeysOf(ParseResult parse)
    {
        var explicitFile = parse.GetValue(keyFile) is { Length: > 0 } || Environment.GetEnvironmentVariable("LIFEBOAT_BACKUP_KEY_FILE") is { Length: > 0 };
        return KeyFileOf(parse) is { } path
            ? explicitFile ? BackupKeyring.ReadFile(path) : BackupKeyring.ReadOrCreateFile(path)
            : BackupKeyring.Parse(Environment.GetEnvironmentVariable("LIFEBOAT_BACKUP_KEY")!, "LIFEBOAT_BACKUP_KEY");
    }

    /// <summary>Runs a long step with one progress bar per stage it reports.</summary>
    public async Task<T> WithProgressAsync<T>(Func<IProgress<BackupProgress>, Task<T>> run)
    {
        T result = default!;
        await Console.Progress().AutoClear(true).StartAsync(async context =>
        {
            var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
            var gate = new Lock();
            result = await run(new InlineProgress<BackupProgress>(p =>
            {
                lock (gate)
                {
                    if (!tasks.TryGetValue(p.Step, out var task))
                    {
                        foreach (var done in tasks.Values)
                        {
                            done.Value = done.MaxValue;
                        }

                        task = tasks[p.Step] = context.AddTask(Markup.Escape(p.Step), maxValue: 1);
                    }

                    task.IsIndeterminate = p.Total is null;
                    task.MaxValue = Math.Max(1, p.Total ?? p.Done);
                    task.Value = p.Done;
                    task.Description = Markup.Escape(p.Total is null && p.Done > 0 ? $"{p.Step} ({p.Done:N0})" : p.Step);
                }
            }));
            foreach (var task in tasks.Values)
            {
                task.Value = task.MaxValue;
            }
        });
        return result;
    }
}
