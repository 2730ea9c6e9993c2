namespace Lifeboat.Cli.Commands;

/// <summary>
/// Reports on the reporter's own thread, in the order it reports. <see cref="Progress{T}"/> posts each
/// report to the thread pool, where they run unordered, at the same time as each other (the console's
/// bars and tables are not made for that), and possibly after the command has printed its result.
/// </summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
