#!/usr/bin/env python3
"""Writes a C file that defines a string constant holding a file's bytes.

usage: embed.py INPUT OUTPUT SYMBOL NAME
"""
import sys

def main():
    src, out, symbol, name = sys.argv[1:5]
    data = open(src, 'rb').read()
    with open(out, 'w') as f:
        f.write('/* Generated from %s by tools/embed.py; do not edit. */\n' % name)
        f.write('const char %s_name[] = "%s";\n' % (symbol, name))
        f.write('const char %s[] =\n' % symbol)
        for i in range(0, len(data), 64):
            chunk = data[i:i + 64]
            f.write('    "' + ''.join('\\x%02x' % b for b in chunk) + '"\n')
        if not data:
            f.write('    ""\n')
        f.write(';\n')

if __name__ == '__main__':
    main()
