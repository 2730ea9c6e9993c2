namespace Lifeboat.Platform.Backups;

/// <summary>Reports on the caller's thread, in order: a Progress&lt;T&gt; posts to the thread pool and can report after the step is over.</summary>
internal sealed class Reporter<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
