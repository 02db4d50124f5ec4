namespace Certitude.Tests;

/// <summary>A test class whose tests write files: a temporary folder of its own, deleted when the class is disposed.</summary>
public abstract class TempFolderTests(string prefix) : IDisposable
{
    /// <summary>The folder.</summary>
    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Writes <paramref name="text"/> to a file of the folder and returns its path.</summary>
    protected string Write(string name, string text)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}
