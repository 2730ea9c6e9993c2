using Microsoft.Playwright;

namespace Lifeboat.Testing;

/// <summary>
/// The machine's headless Chromium, driven by Playwright (no browser is downloaded): /usr/bin/chromium,
/// or CHROMIUM_PATH. The flags keep it from reaching out to the network at start.
/// </summary>
public static class Chromium
{
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Chromium is not installed at {path}; scripts/setup.sh chromium installs it (the test script does).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }
}
