namespace Lifeboat.Drill;

/// <summary>What a drill tells the person watching it, as it goes.</summary>
public interface IDrillObserver
{
    /// <summary>A phase starts: "seed", "act1", "act2", "act3", "verify".</summary>
    void Phase(string phase, string description, int total);

    void Progress(string phase, int done, string? detail = null);

    void Note(string message);
}

internal sealed class SilentObserver : IDrillObserver
{
    public static readonly SilentObserver Instance = new();

    public void Phase(string phase, string description, int total)
    {
    }

    public void Progress(string phase, int done, string? detail = null)
    {
    }

    public void Note(string message)
    {
    }
}
