using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;

namespace Lifeboat.Testing;

/// <summary>
/// axe-core, the pinned version scripts/setup.sh fetches with npm into its cache (fetched here the same
/// way when missing, so `dotnet test` needs no set-up step), injected into a page by Playwright.
/// </summary>
public static class Axe
{
    public const string Version = "4.10.3";

    private static readonly SemaphoreSlim Fetching = new(1, 1);

    public static async Task<string> ScriptAsync()
    {
        var cache = Environment.GetEnvironmentVariable("LIFEBOAT_AXE_CACHE")
            ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "lifeboat", "axe");
        var path = Path.Combine(cache, $"axe-core-{Version}", "axe.min.js");
        await Fetching.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!File.Exists(path))
            {
                var root = RepositoryRoot();
                using var setup = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "setup.sh"), "axe"]) { WorkingDirectory = root })!;
                await setup.WaitForExitAsync(TestContext.Current.CancellationToken);
                if (!File.Exists(path))
                {
                    throw new InvalidOperationException($"scripts/setup.sh axe did not leave axe-core at {path}; run it by hand to see why (it needs npm and the npm registry).");
                }
            }
        }
        finally
        {
            Fetching.Release();
        }

        return path;
    }

    /// <summary>The serious and critical violations on the page as it is now, one line each: rule, help, where.</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        await page.AddScriptTagAsync(new() { Path = await ScriptAsync() });
        var found = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
            """);
        return found.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    private static string RepositoryRoot()
    {
        try
        {
            return TestFiles.RepositoryRoot();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException("The tests run outside the repository; set LIFEBOAT_AXE_CACHE to a folder holding axe-core-" + Version + "/axe.min.js.", e);
        }
    }
}
