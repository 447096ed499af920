// The parts of the `stun` package (RFC 5389/5766 message encoding) that Vigie uses; it ships no types.
declare module 'stun' {
  export interface StunAttribute {
    type: number;
    value: unknown;
  }
  export interface StunMessage {
    readonly type: number;
    readonly transactionId: Buffer;
    getAttribute(type: number): StunAttribute | undefined;
    hasAttribute(type: number): boolean;
    isLegacy(): boolean;
    toBuffer(): Buffer;
  }
  export interface StunRequest extends StunMessage {
    addAttribute(type: number, ...args: unknown[]): unknown;
    addMessageIntegrity(key: Buffer | string): boolean;
    addFingerprint(): boolean;
  }
  export function createMessage(type: number, transaction?: Buffer): StunRequest;
  export function decode(message: Buffer): StunMessage;
  export function validateFingerprint(message: StunMessage): boolean;
  export function validateMessageIntegrity(message: StunMessage, key: Buffer | string): boolean;
  export const constants: Record<string, number>;
}
