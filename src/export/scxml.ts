import { guardText } from './guardExpression.js';
import type { OutlineNode, OutlineTransition } from './machineOutline.js';

const escaped = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function transitionElement(transition: OutlineTransition): string {
  const attributes = transition.event === 'always' ? [] : [`event="${escaped(transition.event)}"`];
  if (transition.guard !== undefined) {
    attributes.push(`cond="${escaped(guardText(transition.guard, 'ecmascript'))}"`);
  }
  if (transition.targets.length > 0) attributes.push(`target="${escaped(transition.targets.join(' '))}"`);
  else attributes.push('type="internal"');
  return `<transition ${attributes.join(' ')}/>`;
}

function element(node: OutlineNode, indent: string): string[] {
  const tag = node.kind === 'parallel' ? 'parallel' : node.kind === 'final' ? 'final' : 'state';
  const initial = node.initial === undefined ? '' : ` initial="${escaped(node.initial)}"`;
  const body = [
    ...node.transitions.map((transition) => `${indent}  ${transitionElement(transition)}`),
    ...node.children.flatMap((child) => element(child, `${indent}  `)),
  ];
  const open = `${indent}<${tag} id="${escaped(node.id)}"${initial}`;
  return body.length === 0 ? [`${open}/>`] : [`${open}>`, ...body, `${indent}</${tag}>`];
}

/**
 * W3C SCXML. Guards are `cond` expressions over the machine's named guards and SCXML's In(); context updates and
 * emitted events are not carried, so a transition without a target is marked internal.
 */
export function toScxml(root: OutlineNode): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" name="${escaped(root.id)}" initial="${escaped(root.id)}">`,
    ...element(root, '  '),
    '</scxml>',
    '',
  ].join('\n');
}
