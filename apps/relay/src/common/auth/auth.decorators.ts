import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'stockbridge:public';

/** No API key needed (health probes). Every other route is guarded by default. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
