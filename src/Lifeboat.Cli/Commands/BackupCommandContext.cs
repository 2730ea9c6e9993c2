using System.CommandLine;
using Lifeboat.Cli.Identity;
using Lifeboat.Platform.Backups;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>What the backup commands share: where the backups are, opening the platform, and progress bars.</summary>
internal sealed class BackupCommandContext(GlobalOptions globals, Option<string?> folder, IAnsiConsole console)
{
    public GlobalOptions Globals { get; } = globals;

    public IAnsiConsole Console { get; } = console;

    public string FolderOf(ParseResult parse) => Path.GetFullPath(parse.GetValue(folder) ?? Globals.HomeOf(parse).BackupDirectory);

    public BackupDirectory DirectoryOf(ParseResult parse) => new(FolderOf(parse));

    /// <summary>The platform with this backup folder, acting as the principal, who must hold <paramref name="permission"/>.</summary>
    public Task<CliSession> OpenSessionAsync(Command command, ParseResult parse, string permission, CancellationToken ct, TimeSpan? retention = null) =>
        command.OpenSessionAsync(Globals, parse, permission, ct, new BackupOptions { Directory = FolderOf(parse), Retention = retention ?? TimeSpan.FromDays(30) });

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
