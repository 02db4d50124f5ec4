using System.Buffers;

namespace Certitude.Der;

/// <summary>Builds a string in a caller's stack buffer, moving to pooled arrays only when it outgrows it
/// (normalised name keys are built this way, one string per name). Dispose returns the pooled array.</summary>
internal ref struct CharWriter
{
    private Span<char> _buffer;
    private char[]? _rented;
    private int _length;

    public CharWriter(Span<char> initial)
    {
        _buffer = initial;
        _rented = null;
        _length = 0;
    }

    public void Append(char c)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }
        _buffer[_length++] = c;
    }

    public void Append(scoped ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _buffer.Length)
        {
            Grow(text.Length);
        }
        text.CopyTo(_buffer[_length..]);
        _length += text.Length;
    }

    /// <summary>Upper-case hexadecimal, as <see cref="Convert.ToHexString(ReadOnlySpan{byte})"/> writes it.</summary>
    public void AppendHex(scoped ReadOnlySpan<byte> bytes)
    {
        if (_length + 2 * bytes.Length > _buffer.Length)
        {
            Grow(2 * bytes.Length);
        }
        Convert.TryToHexString(bytes, _buffer[_length..], out int written);
        _length += written;
    }

    /// <summary>Space for at least <paramref name="length"/> more characters, to be written and then
    /// committed with <see cref="Advance"/>.</summary>
    public Span<char> Reserve(int length)
    {
        if (_length + length > _buffer.Length)
        {
            Grow(length);
        }
        return _buffer[_length..];
    }

    public void Advance(int written) => _length += written;

    private void Grow(int more)
    {
        var next = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer[.._length].CopyTo(next);
        if (_rented is not null)
        {
            ArrayPool<char>.Shared.Return(_rented);
        }
        _rented = next;
        _buffer = next;
    }

    public readonly ReadOnlySpan<char> Written => _buffer[.._length];

    public override readonly string ToString() => new(_buffer[.._length]);

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<char>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
